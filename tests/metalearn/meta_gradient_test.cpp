#include "metalearn/meta_gradient.h"

#include <gtest/gtest.h>

#include <cmath>

namespace pmlab::metalearn {
namespace {

using Vec = core::Mlp<double>::Vec;
using Mat = core::Mlp<double>::Mat;

TaskBatch<double> RandomTask(const core::MlpShape& shape, core::LossHead head, core::Rng& rng) {
  const auto fill = [&](Mat& m, core::Index rows, core::Index cols, bool labels) {
    m.setZero(rows, cols);
    for (core::Index j = 0; j < cols; ++j) {
      if (labels) {
        m(static_cast<core::Index>(rng.Below(rows)), j) = 1.0;
      } else {
        for (core::Index i = 0; i < rows; ++i) m(i, j) = rng.Normal();
      }
    }
  };
  const bool classes = head == core::LossHead::kSoftmaxCrossEntropy;
  TaskBatch<double> t;
  fill(t.support_inputs, shape.Inputs(), 5, false);
  fill(t.support_targets, shape.Outputs(), 5, classes);
  fill(t.query_inputs, shape.Inputs(), 7, false);
  fill(t.query_targets, shape.Outputs(), 7, classes);
  return t;
}

// Central differences (step 1e-6) of the objective L_query(phi_N(x)) of `estimator`.
Vec NumericGradient(MetaGradient<double>& estimator, const Vec& x, const TaskBatch<double>& task) {
  Vec numeric(x.size());
  const double h = 1e-6;
  for (core::Index i = 0; i < x.size(); ++i) {
    Vec p = x;
    p[i] += h;
    const double up = estimator.AdaptedLoss(p, task);
    p[i] -= 2 * h;
    numeric[i] = (up - estimator.AdaptedLoss(p, task)) / (2 * h);
  }
  return numeric;
}

struct MamlCase {
  core::MlpShape shape;
  core::LossHead head;
  int steps;
};

class MamlTest : public ::testing::TestWithParam<MamlCase> {};

TEST_P(MamlTest, ExactMamlMatchesFiniteDifferencesOfTheMamlObjective) {
  const MamlCase s = GetParam();
  core::Rng rng(5);
  Vec x(s.shape.ParameterCount());
  core::Mlp<double>::Initialize(s.shape, rng, x);
  const TaskBatch<double> task = RandomTask(s.shape, s.head, rng);
  MetaGradient<double> maml(s.shape, s.head, {0.1, s.steps}, MetaAlgorithm::kMaml);
  Vec g(x.size());
  const double loss = maml.Estimate(x, task, g);
  EXPECT_DOUBLE_EQ(loss, maml.AdaptedLoss(x, task));
  const Vec numeric = NumericGradient(maml, x, task);
  EXPECT_LT((g - numeric).norm() / numeric.norm(), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Steps, MamlTest,
                         ::testing::Values(MamlCase{{{1, 8, 8, 1}}, core::LossHead::kMeanSquaredError, 1},
                                           MamlCase{{{1, 8, 8, 1}}, core::LossHead::kMeanSquaredError, 3},
                                           MamlCase{{{4, 6, 3}}, core::LossHead::kSoftmaxCrossEntropy, 1},
                                           MamlCase{{{4, 6, 3}}, core::LossHead::kSoftmaxCrossEntropy, 3},
                                           MamlCase{{{2, 5, 1}}, core::LossHead::kMeanSquaredError, 0}),
                         [](const ::testing::TestParamInfo<MamlCase>& info) {
                           return std::string(info.param.head == core::LossHead::kMeanSquaredError ? "Mse" : "CrossEntropy") +
                                  "_" + std::to_string(info.param.steps) + "steps";
                         });

// Meta-SGD's meta-parameters are (theta, step sizes); its estimate is the exact gradient of
// L_query(phi_N) in both, for every inner step count, with or without a separate Hessian sample.
TEST(MetaGradientTest, MetaSgdMatchesFiniteDifferencesInWeightsAndStepSizes) {
  const core::MlpShape shape{{2, 6, 1}};
  for (const bool separate : {false, true}) {
    for (const int steps : {1, 2}) {
      core::Rng rng(13);
      Vec x = MetaGradient<double>::Initial(shape, MetaAlgorithm::kMetaSgd, 0.1, rng);
      ASSERT_EQ(x.size(), 2 * shape.ParameterCount());
      for (core::Index i = shape.ParameterCount(); i < x.size(); ++i) x[i] = 0.05 + 0.1 * rng.Uniform(0.0, 1.0);
      TaskBatch<double> task = RandomTask(shape, core::LossHead::kMeanSquaredError, rng);
      MetaGradient<double> metasgd(shape, core::LossHead::kMeanSquaredError, {0.1, steps}, MetaAlgorithm::kMetaSgd);
      Vec g(x.size());
      metasgd.Estimate(x, task, g);
      // The objective the estimate differentiates; with a separate sample its Hessian terms
      // come from that sample, which only the finite differences of the plain objective match
      // when both samples are the same, so compare that case with itself.
      if (separate) {
        task.hessian_inputs = task.support_inputs;
        task.hessian_targets = task.support_targets;
        Vec again(x.size());
        metasgd.Estimate(x, task, again);
        EXPECT_LT((again - g).norm(), 1e-12 * g.norm()) << steps;
        continue;
      }
      const Vec numeric = NumericGradient(metasgd, x, task);
      const core::Index d = shape.ParameterCount();
      EXPECT_GT(numeric.tail(d).norm(), 1e-3) << steps;  // the step sizes do matter here
      EXPECT_LT((g - numeric).norm() / numeric.norm(), 1e-6) << steps;
      EXPECT_LT((g.tail(d) - numeric.tail(d)).norm() / numeric.tail(d).norm(), 1e-6) << steps;
    }
  }
}

// With every step size equal to alpha, Meta-SGD's weight part is MAML's meta-gradient.
TEST(MetaGradientTest, MetaSgdWithConstantStepSizesIsMaml) {
  const core::MlpShape shape{{1, 8, 1}};
  core::Rng rng(21);
  Vec x = MetaGradient<double>::Initial(shape, MetaAlgorithm::kMetaSgd, 0.07, rng);
  const core::Index d = shape.ParameterCount();
  const TaskBatch<double> task = RandomTask(shape, core::LossHead::kMeanSquaredError, rng);
  MetaGradient<double> metasgd(shape, core::LossHead::kMeanSquaredError, {0.07, 3}, MetaAlgorithm::kMetaSgd);
  MetaGradient<double> maml(shape, core::LossHead::kMeanSquaredError, {0.07, 3}, MetaAlgorithm::kMaml);
  Vec g(2 * d), m(d);
  metasgd.Estimate(x, task, g);
  maml.Estimate(x.head(d), task, m);
  EXPECT_LT((g.head(d) - m).norm(), 1e-12 * m.norm());
}

// The adaptation curve's step-N entry is the MAML objective after N steps, step 0 the loss at x.
TEST(MetaGradientTest, AdaptationCurveFollowsTheInnerLoop) {
  const core::MlpShape shape{{4, 6, 3}};
  core::Rng rng(4);
  Vec x(shape.ParameterCount());
  core::Mlp<double>::Initialize(shape, rng, x);
  // Query = support, so that adapting must lower the query loss.
  TaskBatch<double> task = RandomTask(shape, core::LossHead::kSoftmaxCrossEntropy, rng);
  task.query_inputs = task.support_inputs;
  task.query_targets = task.support_targets;
  MetaGradient<double> one(shape, core::LossHead::kSoftmaxCrossEntropy, {0.3, 1}, MetaAlgorithm::kMaml);
  Eigen::VectorXd curve(5), accuracy(5);
  one.AdaptationCurve(x, task, 4, curve, &accuracy);
  for (int n = 0; n <= 4; ++n) {
    MetaGradient<double> n_steps(shape, core::LossHead::kSoftmaxCrossEntropy, {0.3, n}, MetaAlgorithm::kMaml);
    EXPECT_DOUBLE_EQ(curve[n], n_steps.AdaptedLoss(x, task)) << n;
    EXPECT_GE(accuracy[n], 0.0);
    EXPECT_LE(accuracy[n], 1.0);
    EXPECT_DOUBLE_EQ(accuracy[n] * 5, std::round(accuracy[n] * 5));  // k of the 5 query points
    if (n > 0) {
      EXPECT_LT(curve[n], curve[n - 1]) << n;
    }
  }
}

TEST(MetaGradientTest, FirstOrderDropsExactlyTheHessianTerm) {
  const core::MlpShape shape{{1, 10, 10, 1}};
  core::Rng rng(9);
  Vec x(shape.ParameterCount());
  core::Mlp<double>::Initialize(shape, rng, x);
  const TaskBatch<double> task = RandomTask(shape, core::LossHead::kMeanSquaredError, rng);
  const double alpha = 0.2;
  MetaGradient<double> maml(shape, core::LossHead::kMeanSquaredError, {alpha, 1}, MetaAlgorithm::kMaml);
  MetaGradient<double> fomaml(shape, core::LossHead::kMeanSquaredError, {alpha, 1}, MetaAlgorithm::kFirstOrder);
  Vec g_maml(x.size()), g_fo(x.size());
  maml.Estimate(x, task, g_maml);
  fomaml.Estimate(x, task, g_fo);

  // Independently: phi = x - alpha grad L_s(x); FOMAML = grad L_q(phi).
  core::Mlp<double> mlp(shape, core::LossHead::kMeanSquaredError);
  Vec g_support(x.size()), u(x.size()), g_plus(x.size()), g_minus(x.size());
  mlp.LossAndGradient(x, task.support_inputs, task.support_targets, g_support);
  const Vec phi = x - alpha * g_support;
  mlp.LossAndGradient(phi, task.query_inputs, task.query_targets, u);
  EXPECT_LT((g_fo - u).norm(), 1e-12 * u.norm());
  // MAML - FOMAML = -alpha H_support(x) u, here with H u from differences of gradients.
  const double h = 1e-6;
  mlp.LossAndGradient(x + h * u, task.support_inputs, task.support_targets, g_plus);
  mlp.LossAndGradient(x - h * u, task.support_inputs, task.support_targets, g_minus);
  const Vec correction = -alpha * (g_plus - g_minus) / (2 * h);
  EXPECT_GT(correction.norm(), 0.05 * u.norm());  // the difference is real in this case
  EXPECT_LT(((g_maml - g_fo) - correction).norm(), 1e-6 * correction.norm());
}

TEST(MetaGradientTest, ReptileStepsTowardTheAdaptedParameters) {
  const core::MlpShape shape{{1, 6, 1}};
  core::Rng rng(2);
  Vec x(shape.ParameterCount());
  core::Mlp<double>::Initialize(shape, rng, x);
  const TaskBatch<double> task = RandomTask(shape, core::LossHead::kMeanSquaredError, rng);
  MetaGradient<double> reptile(shape, core::LossHead::kMeanSquaredError, {0.05, 4}, MetaAlgorithm::kReptile);
  Vec direction(x.size());
  reptile.Estimate(x, task, direction);
  core::Mlp<double> mlp(shape, core::LossHead::kMeanSquaredError);
  Vec phi = x, g(x.size());
  for (int j = 0; j < 4; ++j) {
    mlp.LossAndGradient(phi, task.support_inputs, task.support_targets, g);
    phi -= 0.05 * g;
  }
  EXPECT_LT((direction - (x - phi)).norm(), 1e-12);
}

TEST(MetaGradientTest, RejectsBadOptionsAndNames) {
  const core::MlpShape shape{{1, 4, 1}};
  EXPECT_THROW(MetaGradient<float>(shape, core::LossHead::kMeanSquaredError, {0.0, 1}, MetaAlgorithm::kMaml), std::invalid_argument);
  EXPECT_THROW(MetaGradient<float>(shape, core::LossHead::kMeanSquaredError, {0.1, -1}, MetaAlgorithm::kMaml), std::invalid_argument);
  EXPECT_THROW(ParseMetaAlgorithm("protonet"), std::invalid_argument);
  EXPECT_EQ(ParseMetaAlgorithm("fomaml"), MetaAlgorithm::kFirstOrder);
  EXPECT_EQ(ParseMetaAlgorithm("metasgd"), MetaAlgorithm::kMetaSgd);
}

}  // namespace
}  // namespace pmlab::metalearn
