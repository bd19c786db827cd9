// MAML's policy-gradient meta-estimators on a problem whose meta-gradient is computable
// exactly: a one-step bandit with three arms of fixed rewards R and a softmax policy over
// logits b (a linear categorical policy whose single observation is 0). The inner step uses E = 2
// episodes, so an inner batch is one of 3^2 arm pairs, each with a known probability, and the
// adapted policy's expected return J_out(phi) = sum_k softmax(phi)_k R_k is a closed form. The
// meta-objective J(b) = sum_D p_b(D) J_out(phi(b, D)) is then a finite sum, its gradient (central
// differences in double precision) is what maml-pg-dice must match in expectation, and maml-pg
// must miss it by the score-function term sum_D p_b(D) J_out(phi(b, D)) grad log p_b(D). All
// quantities are bounded, so the Monte-Carlo errors are small and the tests can fail.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "rl/categorical_policy.h"
#include "metarl/meta_policy_gradient.h"

namespace pmlab::rl {
namespace {

constexpr int kArms = 3, kEpisodes = 2;
constexpr double kAlpha = 0.8;
const Eigen::Vector3d kReward(1.0, 0.2, -0.5);

// One-step episodes of the bandit, E at a time.
class BanditEpisodes final : public TaskEpisodes {
 public:
  bool Sample(Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, core::Rng& rng, StoredBatch& out) override {
    const core::Matrix inputs = core::Matrix::Zero(1, kEpisodes);
    core::Matrix actions;
    policy.Act(params, inputs, rng, false, actions);
    Eigen::VectorXd rewards(kEpisodes);
    std::vector<EpisodeSegment> segments;
    for (int e = 0; e < kEpisodes; ++e) {
      rewards[e] = kReward[static_cast<int>(actions(0, e))];
      segments.push_back({e, 1, true, true, rewards[e]});
    }
    out.Assign({inputs, actions, rewards, segments, inputs});
    return true;
  }
};

Eigen::Vector3d Softmax(const Eigen::Vector3d& z) {
  const Eigen::Vector3d e = (z.array() - z.maxCoeff()).exp();
  return e / e.sum();
}

// Sum over the 9 inner batches (a1, a2) of p_b(a1) p_b(a2) f(phi, grad log p_b(D)), with
// phi = b + alpha (1/E) sum_i R_ai (e_ai - p).
Eigen::Vector3d SumOverBatches(const Eigen::Vector3d& b, const std::function<Eigen::Vector3d(const Eigen::Vector3d&, const Eigen::Vector3d&)>& f,
                               double alpha = kAlpha) {
  const Eigen::Vector3d p = Softmax(b);
  Eigen::Vector3d sum = Eigen::Vector3d::Zero();
  for (int a1 = 0; a1 < kArms; ++a1)
    for (int a2 = 0; a2 < kArms; ++a2) {
      const Eigen::Vector3d s1 = Eigen::Vector3d::Unit(a1) - p, s2 = Eigen::Vector3d::Unit(a2) - p;
      const Eigen::Vector3d phi = b + alpha * (kReward[a1] * s1 + kReward[a2] * s2) / kEpisodes;
      sum += p[a1] * p[a2] * f(phi, s1 + s2);
    }
  return sum;
}

double AdaptedReturn(const Eigen::Vector3d& phi) { return Softmax(phi).dot(kReward); }

double MetaObjective(const Eigen::Vector3d& b, double alpha = kAlpha) {
  return SumOverBatches(
      b, [](const Eigen::Vector3d& phi, const Eigen::Vector3d&) { return Eigen::Vector3d::Constant(AdaptedReturn(phi)); }, alpha)[0];
}

// grad F by central differences of the finite sum, in double precision.
Eigen::Vector3d ExactMetaGradient(const Eigen::Vector3d& b, double alpha) {
  const double h = 1e-6;
  Eigen::Vector3d g;
  for (int i = 0; i < kArms; ++i) {
    const Eigen::Vector3d e = h * Eigen::Vector3d::Unit(i);
    g[i] = (MetaObjective(b + e, alpha) - MetaObjective(b - e, alpha)) / (2 * h);
  }
  return g;
}

struct Moments {
  Eigen::Vector3d mean, standard_error;
};

// Mean and standard error of the logits' entries of `samples` ascent directions.
Moments Sample(MetaPolicyAlgorithm algorithm, const core::Vector& x, double score_baseline, int samples,
               DiceBaseline dice = DiceBaseline::kMean, double alpha = kAlpha) {
  MetaPolicyOptions o;
  o.algorithm = algorithm;
  o.dice_baseline = dice;
  o.inner_lr = alpha;
  o.horizon = 1;
  o.estimator.estimator = MakeEstimator("gpomdp");
  o.estimator.baseline = Baseline::kNone;
  MetaPolicyGradient estimator(std::make_unique<CategoricalPolicy<float>>(1, kArms, std::vector<int>{}), 1, o);
  BanditEpisodes task;
  core::Rng rng(21);
  core::Vector out(x.size());
  Eigen::Vector3d sum = Eigen::Vector3d::Zero(), sum_sq = sum;
  for (int k = 0; k < samples; ++k) {
    estimator.Estimate(x, task, rng, score_baseline, out);
    const Eigen::Vector3d ascent = -out.tail(kArms).cast<double>();  // the biases; the weights' entries are 0
    sum += ascent;
    sum_sq += ascent.cwiseProduct(ascent);
  }
  Moments m;
  m.mean = sum / samples;
  m.standard_error = ((sum_sq / samples - m.mean.cwiseProduct(m.mean)) / (samples - 1)).cwiseSqrt();
  return m;
}

class MetaPolicyGradientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    x_.resize(2 * kArms);
    x_ << 0.7f, -0.2f, 0.4f, static_cast<float>(b_[0]), static_cast<float>(b_[1]), static_cast<float>(b_[2]);
    exact_ = ExactMetaGradient(b_, kAlpha);
    missing_ = SumOverBatches(b_, [](const Eigen::Vector3d& phi, const Eigen::Vector3d& score) { return AdaptedReturn(phi) * score; });
  }

  void ExpectWithin(const Moments& m, const Eigen::Vector3d& expected) {
    for (int i = 0; i < kArms; ++i) {
      EXPECT_NEAR(m.mean[i], expected[i], 4 * m.standard_error[i]) << "logit " << i;
      EXPECT_LT(m.standard_error[i], 0.01) << "logit " << i << ": too noisy to tell estimators apart";
    }
  }

  Eigen::Vector3d b_{0.3, -0.4, 0.1};
  core::Vector x_;
  Eigen::Vector3d exact_, missing_;
};

TEST_F(MetaPolicyGradientTest, TheCorrectedEstimatorIsUnbiased) {
  ExpectWithin(Sample(MetaPolicyAlgorithm::kMamlPgDice, x_, MetaObjective(b_), 200000), exact_);
}

TEST_F(MetaPolicyGradientTest, MamlPgMissesExactlyTheScoreFunctionTerm) {
  const Moments m = Sample(MetaPolicyAlgorithm::kMamlPg, x_, 0, 200000);
  ExpectWithin(m, exact_ - missing_);
  EXPECT_GT(missing_.norm(), 10 * m.standard_error.norm()) << "the test must tell the two estimators apart";
}

// ProMP's LVC and Loaded DiCE pull the outer gradient back through I + alpha H(D) with
// H(D) = (1/E) sum_i R_i (grad^2 log pi(a_i) + s_i s_i^T): on one-step episodes the two Hessians
// are the same, and unbiased for the inner return's. Their meta-gradient still misses the exact
// one by the score term's part beyond first order in alpha, which this sum over the 9 batches
// predicts: at alpha = 0.8, 0.00086 (0.2% of |grad F|, against maml-pg's 0.048); at alpha = 4,
// 0.056 (20%, against 0.137).
Eigen::Vector3d CurvatureMetaGradient(const Eigen::Vector3d& b, double alpha) {
  const Eigen::Vector3d p = Softmax(b);
  const Eigen::Matrix3d log_pi_hessian = -(Eigen::Matrix3d(p.asDiagonal()) - p * p.transpose());  // in the logits
  Eigen::Vector3d sum = Eigen::Vector3d::Zero();
  for (int a1 = 0; a1 < kArms; ++a1)
    for (int a2 = 0; a2 < kArms; ++a2) {
      const Eigen::Vector3d s1 = Eigen::Vector3d::Unit(a1) - p, s2 = Eigen::Vector3d::Unit(a2) - p;
      const Eigen::Vector3d phi = b + alpha * (kReward[a1] * s1 + kReward[a2] * s2) / kEpisodes;
      const Eigen::Matrix3d h =
          (kReward[a1] * (log_pi_hessian + s1 * s1.transpose()) + kReward[a2] * (log_pi_hessian + s2 * s2.transpose())) / kEpisodes;
      const Eigen::Vector3d q = Softmax(phi);
      const Eigen::Vector3d outer = q.array() * (kReward.array() - q.dot(kReward));
      sum += p[a1] * p[a2] * (outer + alpha * h * outer);
    }
  return sum;
}

TEST_F(MetaPolicyGradientTest, ProMpMatchesItsPredictedMean) {
  const Eigen::Vector3d predicted = CurvatureMetaGradient(b_, kAlpha);
  ExpectWithin(Sample(MetaPolicyAlgorithm::kProMp, x_, 0, 200000), predicted);
  EXPECT_LT((predicted - exact_).norm(), 0.05 * missing_.norm()) << "ProMP keeps the score term's first order";
}

TEST_F(MetaPolicyGradientTest, ProMpIsBiasedBeyondFirstOrderInTheStepSize) {
  const double alpha = 4;
  const Eigen::Vector3d predicted = CurvatureMetaGradient(b_, alpha), exact = ExactMetaGradient(b_, alpha);
  const Moments m = Sample(MetaPolicyAlgorithm::kProMp, x_, 0, 200000, DiceBaseline::kMean, alpha);
  for (int i = 0; i < kArms; ++i) EXPECT_NEAR(m.mean[i], predicted[i], 4 * m.standard_error[i]) << "logit " << i;
  EXPECT_GT((predicted - exact).norm(), 8 * m.standard_error.norm()) << "the test must see ProMP's bias";
}

TEST_F(MetaPolicyGradientTest, LoadedDiceEqualsProMpOnOneStepEpisodes) {
  ExpectWithin(Sample(MetaPolicyAlgorithm::kMamlPgDice, x_, 0, 200000, DiceBaseline::kLoaded), CurvatureMetaGradient(b_, kAlpha));
}

TEST_F(MetaPolicyGradientTest, FirstOrderIsTheOuterGradientAtTheAdaptedPolicy) {
  // grad J_out(phi) = p' * (R - p'.R) in the logits.
  const Eigen::Vector3d expected = SumOverBatches(b_, [](const Eigen::Vector3d& phi, const Eigen::Vector3d&) {
    const Eigen::Vector3d p = Softmax(phi);
    return Eigen::Vector3d(p.array() * (kReward.array() - p.dot(kReward)));
  });
  ExpectWithin(Sample(MetaPolicyAlgorithm::kFomamlPg, x_, 0, 200000), expected);
}

TEST_F(MetaPolicyGradientTest, ReptileIsTheInnerDisplacement) {
  // E[phi - x] = alpha grad J_in(b) (the inner policy gradient is unbiased), J_in = p.R.
  const Eigen::Vector3d p = Softmax(b_);
  ExpectWithin(Sample(MetaPolicyAlgorithm::kReptile, x_, 0, 100000), kAlpha * Eigen::Vector3d(p.array() * (kReward.array() - p.dot(kReward))));
}

}  // namespace
}  // namespace pmlab::rl
