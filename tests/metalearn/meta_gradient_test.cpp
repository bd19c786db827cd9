#include "metalearn/meta_gradient.h"

#include <gtest/gtest.h>

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
  Vec numeric(x.size());
  const double h = 1e-6;
  for (core::Index i = 0; i < x.size(); ++i) {
    Vec p = x;
    p[i] += h;
    const double up = maml.AdaptedLoss(p, task);
    p[i] -= 2 * h;
    numeric[i] = (up - maml.AdaptedLoss(p, task)) / (2 * h);
  }
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
}

}  // namespace
}  // namespace pmlab::metalearn
