// The estimators against closed forms on a tiny MDP whose discounted objective is a finite sum:
// a two-state chain (the action picks the next state) with a linear softmax policy, episodes of
// T steps that end the MDP. Exact gradients come from enumerating every action sequence; the
// estimators' means come from many batches of sampled episodes, through the same BatchGradient
// the workers use, and are compared coordinate by coordinate within their Monte-Carlo error.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "rl/batch_gradient.h"
#include "rl/categorical_policy.h"

namespace pmlab::rl {
namespace {

constexpr int kSteps = 6;         // T: the MDP ends after T steps
constexpr double kGamma = 0.9;
constexpr int kEpisodes = 4;      // per batch, as a worker's --episodes-per-worker
const double kReward[2][2] = {{0.1, 0.0}, {0.5, 1.0}};  // r(s, a)

Eigen::VectorXd OneHot(int s) { return Eigen::VectorXd::Unit(2, s); }

// pi(a | s) for the linear policy at double-precision parameters.
double Probability(CategoricalPolicy<double>& policy, const Eigen::VectorXd& params, int s, int a) {
  Eigen::MatrixXd obs = OneHot(s), action(1, 1);
  action(0, 0) = a;
  Eigen::VectorXd grad(params.size());
  return std::exp(policy.Surrogate(params, obs, action, Eigen::VectorXd::Ones(1), 0, grad));
}

// J_H = E[sum_{t < H} gamma^t r_t], starting in state 0, by enumerating the 2^H action sequences.
double Objective(const Eigen::VectorXd& params, int horizon) {
  CategoricalPolicy<double> policy(2, 2, {});
  double p[2][2];
  for (int s = 0; s < 2; ++s)
    for (int a = 0; a < 2; ++a) p[s][a] = Probability(policy, params, s, a);
  double total = 0;
  for (int path = 0; path < (1 << horizon); ++path) {
    double prob = 1, ret = 0, discount = 1;
    int s = 0;
    for (int t = 0; t < horizon; ++t, discount *= kGamma) {
      const int a = (path >> t) & 1;
      prob *= p[s][a];
      ret += discount * kReward[s][a];
      s = a;
    }
    total += prob * ret;
  }
  return total;
}

Eigen::VectorXd ExactGradient(const Eigen::VectorXd& params, int horizon) {
  Eigen::VectorXd g(params.size());
  const double h = 1e-6;
  for (Eigen::Index i = 0; i < params.size(); ++i) {
    Eigen::VectorXd up = params, down = params;
    up[i] += h;
    down[i] -= h;
    g[i] = (Objective(up, horizon) - Objective(down, horizon)) / (2 * h);
  }
  return g;
}

Eigen::VectorXd TestParameters() {
  CategoricalPolicy<double> policy(2, 2, {});
  Eigen::VectorXd params(policy.ParameterCount());
  core::Rng rng(7);
  for (Eigen::Index i = 0; i < params.size(); ++i) params[i] = 0.8 * rng.Normal();
  return params;
}

struct MonteCarlo {
  Eigen::VectorXd mean, standard_error;
};

// The mean over `batches` batches of the estimate of grad J (minus the loss gradient), with
// episodes cut at `horizon` (terminated only when they reach T).
MonteCarlo EstimateMean(const EstimatorOptions& estimator, const LinearValue& value, int horizon, int batches) {
  CategoricalPolicy<float> policy(2, 2, {});
  const core::Vector params = TestParameters().cast<float>();
  core::Matrix inputs(2, kEpisodes * horizon), actions(1, kEpisodes * horizon), last(2, kEpisodes);
  Eigen::VectorXd rewards(kEpisodes * horizon);
  std::vector<EpisodeSegment> episodes;
  BatchGradient gradient;
  core::Vector g(params.size());
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(params.size()), sum_sq = sum;
  core::Rng rng(11);
  for (int b = 0; b < batches; ++b) {
    episodes.clear();
    for (int e = 0; e < kEpisodes; ++e) {
      int s = 0;
      EpisodeSegment ep;
      ep.start = e * horizon;
      for (int t = 0; t < horizon; ++t) {
        const Eigen::Index j = ep.start + t;
        inputs.col(j) = OneHot(s).cast<float>();
        core::Matrix a;
        policy.Act(params, inputs.col(j), rng, false, a);
        actions(0, j) = a(0, 0);
        const int next = static_cast<int>(a(0, 0));
        rewards[j] = kReward[s][next];
        ep.total_reward += rewards[j];
        s = next;
      }
      ep.length = horizon;
      ep.terminated = horizon == kSteps;
      ep.finished = true;
      last.col(e) = OneHot(s).cast<float>();
      episodes.push_back(ep);
    }
    GradientSetup setup;
    setup.estimator = estimator;
    setup.environments = kEpisodes;
    setup.linear_value = &value;
    gradient.Compute(setup, policy, params, {inputs, actions, rewards, episodes, last}, g);
    const Eigen::VectorXd estimate = -g.cast<double>();
    sum += estimate;
    sum_sq += estimate.cwiseProduct(estimate);
  }
  const double n = batches;
  MonteCarlo m;
  m.mean = sum / n;
  m.standard_error = ((sum_sq / n - m.mean.cwiseProduct(m.mean)) / (n - 1)).cwiseMax(0).cwiseSqrt();
  return m;
}

// Largest |mean - exact| in units of the Monte-Carlo standard error.
double WorstZ(const MonteCarlo& m, const Eigen::VectorXd& exact) {
  return ((m.mean - exact).cwiseAbs().array() / m.standard_error.array()).maxCoeff();
}

EstimatorOptions Options(const std::string& estimator, Baseline baseline, double lambda = 1) {
  EstimatorOptions o;
  o.estimator = MakeEstimator(estimator);
  o.baseline = baseline;
  o.discount = kGamma;
  o.gae_lambda = lambda;
  return o;
}

// An arbitrary, wrong value function: any fixed baseline leaves the estimate unbiased.
LinearValue SomeValue() {
  LinearValue value(2, kSteps);
  Eigen::VectorXd w(value.Features());
  w << 0.3, -0.2, 0.1, 0.4, 0.5, -0.3, 0.2, 0.6;
  value.set_weights(w);
  return value;
}

constexpr int kBatches = 20000;

TEST(EstimatorTest, ReinforceAndGpomdpAreUnbiasedForTheDiscountedReturn) {
  const Eigen::VectorXd exact = ExactGradient(TestParameters(), kSteps);
  const LinearValue none(2, kSteps);
  const MonteCarlo reinforce = EstimateMean(Options("reinforce", Baseline::kNone), none, kSteps, kBatches);
  const MonteCarlo gpomdp = EstimateMean(Options("gpomdp", Baseline::kNone), none, kSteps, kBatches);
  EXPECT_LT(WorstZ(reinforce, exact), 4.5) << reinforce.mean.transpose() << "\nexact " << exact.transpose();
  EXPECT_LT(WorstZ(gpomdp, exact), 4.5) << gpomdp.mean.transpose() << "\nexact " << exact.transpose();
  // GPOMDP drops the rewards that precede each action: the same mean, less spread.
  EXPECT_LT(gpomdp.standard_error.norm(), reinforce.standard_error.norm());
}

TEST(EstimatorTest, AFixedValueBaselineAndGaeWithLambdaOneStayUnbiased) {
  const Eigen::VectorXd exact = ExactGradient(TestParameters(), kSteps);
  const LinearValue value = SomeValue();
  EXPECT_LT(WorstZ(EstimateMean(Options("gpomdp", Baseline::kValue), value, kSteps, kBatches), exact), 4.5);
  EXPECT_LT(WorstZ(EstimateMean(Options("gae", Baseline::kValue, 1.0), value, kSteps, kBatches), exact), 4.5);
}

TEST(EstimatorTest, GaeWithLambdaBelowOneAndAWrongValueIsBiased) {
  const Eigen::VectorXd exact = ExactGradient(TestParameters(), kSteps);
  const MonteCarlo gae = EstimateMean(Options("gae", Baseline::kValue, 0.0), SomeValue(), kSteps, kBatches);
  EXPECT_GT(WorstZ(gae, exact), 10);
}

TEST(EstimatorTest, UniformStateWeightingIsBiased) {
  // Dropping gamma^t (as A2C and PPO do) weighs late steps as much as early ones.
  EstimatorOptions o = Options("gpomdp", Baseline::kNone);
  o.weighting = StateWeighting::kUniform;
  EXPECT_GT(WorstZ(EstimateMean(o, LinearValue(2, kSteps), kSteps, kBatches), ExactGradient(TestParameters(), kSteps)), 10);
}

TEST(EstimatorTest, TruncatedEpisodesEstimateTheTruncatedObjective) {
  const Eigen::VectorXd params = TestParameters();
  const int horizon = 3;
  const Eigen::VectorXd truncated = ExactGradient(params, horizon), full = ExactGradient(params, kSteps);
  const MonteCarlo gpomdp = EstimateMean(Options("gpomdp", Baseline::kNone), LinearValue(2, horizon), horizon, kBatches);
  EXPECT_LT(WorstZ(gpomdp, truncated), 4.5);
  EXPECT_GT(WorstZ(gpomdp, full), 10);  // the truncation bias is visible at this sample size
}

TEST(EstimatorTest, TheStepMeanDividesTheSameSumByTheSteps) {
  // Episodes of different lengths: the two means differ exactly by the ratio of their divisors.
  CategoricalPolicy<float> policy(2, 2, {});
  const core::Vector params = TestParameters().cast<float>();
  const core::Matrix inputs = core::Matrix::Identity(2, 5);
  core::Matrix actions(1, 5), last = core::Matrix::Zero(2, 2);
  actions << 0, 1, 1, 0, 1;
  const Eigen::VectorXd rewards = Eigen::VectorXd::LinSpaced(5, 0.5, 2.5);
  const std::vector<EpisodeSegment> episodes = {{0, 2, true, true, 0}, {2, 3, true, true, 0}};
  BatchGradient gradient;
  core::Vector per_episode(params.size()), per_step(params.size());
  GradientSetup setup;
  setup.estimator = Options("gpomdp", Baseline::kNone);
  setup.environments = 2;
  const double loss_episode = gradient.Compute(setup, policy, params, {inputs, actions, rewards, episodes, last}, per_episode);
  setup.estimator.mean = GradientMean::kStep;
  const double loss_step = gradient.Compute(setup, policy, params, {inputs, actions, rewards, episodes, last}, per_step);
  EXPECT_LT((per_step * 5 - per_episode * 2).norm(), 1e-5 * per_episode.norm());
  EXPECT_NEAR(loss_step * 5, loss_episode * 2, 1e-5 * std::abs(loss_episode));
}

TEST(EstimatorTest, TruncationBiasShrinksLikeGammaToTheHorizon) {
  // Exact gradients on a longer chain: |grad J_H - grad J_T| against gamma^H. The terms cut
  // off at step t are of size t gamma^t (t scores times a discounted reward), so the ratio
  // bias / gamma^H may grow at most linearly in H while gamma^H falls geometrically.
  const Eigen::VectorXd params = TestParameters();
  const int longest = 16;
  const Eigen::VectorXd full = ExactGradient(params, longest);
  double previous = 0;
  for (int h = 2; h <= 10; h += 2) {
    const double bias = (ExactGradient(params, h) - full).norm();
    const double scaled = bias / std::pow(kGamma, h);
    SCOPED_TRACE("H = " + std::to_string(h) + ": bias " + std::to_string(bias));
    if (h > 2) {
      EXPECT_LT(bias, previous);
      EXPECT_LT(scaled / (previous / std::pow(kGamma, h - 2)), (h + 1.0) / (h - 1.0));
    }
    previous = bias;
  }
}

}  // namespace
}  // namespace pmlab::rl
