// Sample reuse: PPO's clipped objective and its gradient against central differences, the
// ratio and its clip by hand, and a round of one epoch and one minibatch, which is the plain
// estimator's step exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "core/opt/rng.h"
#include "rl/batch_gradient.h"
#include "rl/categorical_policy.h"
#include "rl/gaussian_policy.h"
#include "rl/policy_gradient_oracle.h"

namespace pmlab::rl {
namespace {

template <typename T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> Random(Eigen::Index rows, Eigen::Index cols, core::Rng& rng) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = static_cast<T>(rng.Normal());
  return m;
}

// PPO's objective sum_j min(r_j A_j, clip(r_j, 1 - e, 1 + e) A_j) + c sum_j H_j in double.
double PpoObjective(Policy<double>& policy, const Eigen::VectorXd& params, const Eigen::MatrixXd& obs, const Eigen::MatrixXd& actions,
                    const Eigen::VectorXd& advantages, const Eigen::VectorXd& old_log_probs, double clip, double entropy) {
  Eigen::VectorXd log_probs, entropies;
  policy.LogProbabilities(params, obs, actions, log_probs, entropies);
  double total = entropy * entropies.sum();
  for (Eigen::Index j = 0; j < obs.cols(); ++j) {
    const double r = std::exp(log_probs[j] - old_log_probs[j]);
    total += std::min(r * advantages[j], std::clamp(r, 1 - clip, 1 + clip) * advantages[j]);
  }
  return total;
}

// ComputeOnSamples at parameters moved away from those that drew the samples, so that ratios
// spread on both sides of the band, against central differences of PPO's objective in double.
template <template <typename> class P, typename... Args>
void ExpectPpoGradientMatchesCentralDifferences(int observations, Args... args) {
  P<double> exact(observations, args...);
  P<float> policy(observations, args...);
  core::Rng rng(11);
  Eigen::VectorXd old_params(exact.ParameterCount());
  exact.Initialize(rng, old_params);
  const Eigen::VectorXd params = old_params + 0.25 * Random<double>(old_params.size(), 1, rng).col(0);
  const Eigen::Index n = 40;
  const Eigen::MatrixXd obs = Random<double>(observations, n, rng);
  Eigen::MatrixXd actions;
  exact.Act(old_params, obs, rng, false, actions);
  const Eigen::VectorXd advantages = Random<double>(n, 1, rng).col(0);
  Eigen::VectorXd old_log_probs, entropies;
  exact.LogProbabilities(old_params, obs, actions, old_log_probs, entropies);

  const core::Matrix obs_f = obs.cast<float>(), actions_f = actions.cast<float>();
  const core::Vector advantages_f = advantages.cast<float>(), old_f = old_log_probs.cast<float>();
  const Eigen::VectorXd targets = Eigen::VectorXd::Zero(n);
  const SampleBatch samples{obs_f, actions_f, advantages_f, targets, old_f, targets};
  for (const double entropy : {0.0, 0.05}) {
    for (const double clip : {0.2, 1e6}) {
      SCOPED_TRACE("clip " + std::to_string(clip) + ", entropy " + std::to_string(entropy));
      GradientSetup setup;
      setup.entropy_coef = entropy;
      setup.estimator.baseline = Baseline::kNone;
      BatchGradient gradient;
      core::Vector g(exact.ParameterCount());
      ReuseFigures figures;
      const double divisor = 8;
      const double loss = gradient.ComputeOnSamples(setup, {.ratio = clip}, policy, params.cast<float>(), samples, divisor, g, figures);
      const auto objective = [&](const Eigen::VectorXd& p) {
        return PpoObjective(exact, p, obs, actions, advantages, old_log_probs, clip, entropy);
      };
      Eigen::VectorXd numeric(params.size());
      const double h = 1e-6;
      for (Eigen::Index i = 0; i < params.size(); ++i) {
        Eigen::VectorXd p = params;
        p[i] += h;
        const double up = objective(p);
        p[i] -= 2 * h;
        numeric[i] = -(up - objective(p)) / (2 * h) / divisor;  // the loss is minus the objective / divisor
      }
      EXPECT_LT((g.cast<double>() - numeric).norm() / numeric.norm(), 2e-4);
      EXPECT_NEAR(loss, -objective(params) / divisor, 1e-4 * std::abs(objective(params) / divisor) + 1e-5);
      if (clip < 1) {
        EXPECT_GT(figures.clipped, 0) << "the test should reach the clip";
      } else {
        EXPECT_EQ(figures.clipped, 0);
      }
      EXPECT_GT(figures.approx_kl, 0);
    }
  }
}

TEST(SampleReuseTest, PpoGradientMatchesCentralDifferencesForCategoricalPolicies) {
  ExpectPpoGradientMatchesCentralDifferences<CategoricalPolicy>(4, 3, std::vector<int>{8});
}

TEST(SampleReuseTest, PpoGradientMatchesCentralDifferencesForGaussianPolicies) {
  ExpectPpoGradientMatchesCentralDifferences<GaussianPolicy>(3, 2, std::vector<int>{8}, -0.5);
}

TEST(SampleReuseTest, TheRatioIsClippedOnTheSideItsWeightFavours) {
  // A linear two-action policy, one sample of each sign of advantage, with the probability of
  // the action taken doubled since the draw: r = 2. A positive advantage stops its gradient
  // (r > 1 + e); a negative one keeps it, weighted 2 A.
  CategoricalPolicy<float> policy(1, 2, {});
  core::Vector params(policy.ParameterCount());
  params.setZero();
  const core::Matrix obs = core::Matrix::Ones(1, 2);
  const core::Matrix actions = core::Matrix::Zero(1, 2);  // action 0, probability 1/2 now
  const core::Vector old_log_probs = core::Vector::Constant(2, std::log(0.25f));
  const Eigen::VectorXd targets = Eigen::VectorXd::Zero(2);
  GradientSetup setup;
  setup.estimator.baseline = Baseline::kNone;
  BatchGradient gradient;
  ReuseFigures figures;
  core::Vector g(policy.ParameterCount()), plain(policy.ParameterCount());
  const core::Vector positive = (core::Vector(2) << 1.0f, 0.0f).finished();
  gradient.ComputeOnSamples(setup, {.ratio = 0.2}, policy, params, {obs, actions, positive, targets, old_log_probs, targets}, 1, g, figures);
  EXPECT_EQ(g.norm(), 0.0f);
  EXPECT_EQ(figures.clipped, 2);
  EXPECT_NEAR(figures.approx_kl, 2 * (1 - std::log(2.0)), 1e-6);
  const core::Vector negative = (core::Vector(2) << -1.0f, 0.0f).finished();
  gradient.ComputeOnSamples(setup, {.ratio = 0.2}, policy, params, {obs, actions, negative, targets, old_log_probs, targets}, 1, g, figures);
  const core::Vector doubled = (core::Vector(2) << -2.0f, 0.0f).finished();
  policy.Surrogate(params, obs, actions, doubled, 0, plain);
  EXPECT_EQ(g, (-plain).eval());
}

TEST(SampleReuseTest, TheValueClipDropsTheStepsWhoseClippedPredictionIsTheWorseFit) {
  // A value network whose only nonzero parameter is its output bias b, so V = mean + std b for
  // every state (here 1 + 2 x 0.5 = 2), and five samples around it with clip 0.3 (V_old, y):
  // inside the band (1.9, 5); outside, V the farther from y (1, 0) and (3, 2.5); outside, the
  // clipped V_old +- 0.3 the farther (1, 3) and (3, 0). The loss's gradient in b is
  // c sum_j keep_j (b - z_j), z_j = (y_j - 1) / 2, over the three kept samples only.
  CategoricalPolicy<float> policy(2, 2, {});
  BatchGradient gradient(std::make_unique<ValueNetwork>(2, std::vector<int>{4}));
  const core::Index p = policy.ParameterCount(), v = ValueNetwork(2, {4}).ParameterCount();
  core::Vector x = core::Vector::Zero(p + v);
  x[p + v - 1] = 0.5f;
  const core::Matrix obs = core::Matrix::Ones(2, 5), actions = core::Matrix::Zero(1, 5);
  const core::Vector weights = core::Vector::Zero(5), old_log_probs = core::Vector::Constant(5, std::log(0.5f));
  const Eigen::VectorXd old_values = (Eigen::VectorXd(5) << 1.9, 1.0, 3.0, 1.0, 3.0).finished();
  const Eigen::VectorXd targets = (Eigen::VectorXd(5) << 5.0, 0.0, 2.5, 3.0, 0.0).finished();
  GradientSetup setup;
  setup.estimator.baseline = Baseline::kValue;
  setup.value_coef = 0.5;
  setup.value_scale = {1.0, 2.0};
  ReuseFigures figures;
  core::Vector g(p + v);
  const SampleBatch samples{obs, actions, weights, targets, old_log_probs, old_values};
  gradient.ComputeOnSamples(setup, {.ratio = 0.2, .value = 0.3}, policy, x, samples, 1, g, figures);
  EXPECT_EQ(g.head(p + v - 1).norm(), 0.0f);
  EXPECT_FLOAT_EQ(g[p + v - 1], 0.5f * ((0.5f - 2.0f) + (0.5f + 0.5f) + (0.5f - 0.75f)));
  // Without the clip every sample counts; with a clip wider than every move, none is dropped.
  for (const double wide : {0.0, 10.0}) {
    gradient.ComputeOnSamples(setup, {.ratio = 0.2, .value = wide}, policy, x, samples, 1, g, figures);
    EXPECT_FLOAT_EQ(g[p + v - 1], 0.5f * ((0.5f - 2.0f) + (0.5f + 0.5f) + (0.5f - 0.75f) + (0.5f - 1.0f) + (0.5f + 0.5f)));
  }
}

// One worker's first estimate of a round, from a fresh oracle and the same stream.
core::Vector FirstEstimate(const PolicyGradientOptions& options, const core::Vector& x) {
  PolicyGradientOracle oracle(options, 1, std::nullopt);
  oracle.BeginStep(1, 0, x);
  core::Rng rng(5, core::StreamKind::kWorker, 0);
  core::Vector g(oracle.Dimension());
  oracle.Estimate(0, x, rng, g);
  return g;
}

TEST(SampleReuseTest, OneEpochOfOneMinibatchIsThePlainEstimatorExactly) {
  for (const char* mean : {"step", "episode"}) {
    for (const bool network : {false, true}) {
      SCOPED_TRACE(std::string(mean) + (network ? ", value network" : ", linear value"));
      PolicyGradientOptions plain;
      plain.rollout.env = "CartPole-v1";
      plain.rollout.horizon = 200;
      plain.rollout.environments = 3;
      plain.rollout.steps_per_environment = 50;
      plain.entropy_coef = 0.01;
      plain.estimator.mean = ParseGradientMean(mean);
      if (network) plain.value_hidden = {8};
      PolicyGradientOptions ppo = plain;
      ppo.estimator.estimator = MakeEstimator("ppo");
      ASSERT_TRUE(ppo.Reuses());
      ASSERT_FALSE(plain.Reuses());
      PolicyGradientOracle probe(plain, 1, std::nullopt);
      core::Rng init(3);
      const core::Vector x = probe.Initial(init);
      const core::Vector a = FirstEstimate(plain, x), b = FirstEstimate(ppo, x);
      EXPECT_GT(a.norm(), 0.0f);
      EXPECT_EQ(a, b);
      // And a second epoch moves away from it: the samples are reused off-policy.
      ppo.reuse.epochs = 2;
      PolicyGradientOracle reusing(ppo, 1, std::nullopt);
      core::Rng rng(5, core::StreamKind::kWorker, 0);
      core::Vector g(reusing.Dimension());
      reusing.BeginStep(1, 0, x);
      reusing.Estimate(0, x, rng, g);
      EXPECT_EQ(g, a);
      const core::Vector moved = x - 0.5f * g;
      reusing.BeginStep(1, 1, moved);
      const core::OracleResult second = reusing.Estimate(0, moved, rng, g);
      EXPECT_GT(second.drift, 0.0);
      EXPECT_NE(g, a);
    }
  }
}

}  // namespace
}  // namespace pmlab::rl
