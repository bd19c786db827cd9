// The bias measurement of meta-RL estimators on PointNav: both estimators of a unit see the same
// episodes (the corrected estimator measured against itself has no bias at all), maml-pg's
// dropped score term shows, and the figure does not depend on the thread count. On the tabular
// family the exact measurement (inner batches enumerated, or drawn with the outer gradient exact)
// agrees with the Monte-Carlo one at a large sample.
#include <gtest/gtest.h>

#include <cmath>

#include "metarl/meta_policy_bias.h"

namespace pmlab::rl {
namespace {

MetaPolicyProblemOptions Nav(MetaPolicyAlgorithm algorithm) {
  MetaPolicyProblemOptions o;
  o.family = "PointNav";
  o.horizon = 10;
  o.episodes = 3;
  o.policy.hidden = {8};
  o.meta.algorithm = algorithm;
  o.meta.inner_lr = 0.5;
  o.meta.estimator.baseline = Baseline::kValue;
  o.meta.estimator.normalize_advantages = true;
  return o;
}

core::Vector Start(const MetaPolicyOracle& oracle) {
  core::Rng init(3, core::StreamKind::kInit);
  return oracle.Initial(init);
}

TEST(MetaPolicyBiasTest, TheCorrectedEstimatorAgainstItselfHasNoBias) {
  const MetaPolicyOracle oracle(Nav(MetaPolicyAlgorithm::kMamlPgDice), 1);
  core::WorkerPool pool(2);
  const core::BiasEstimate b = MeasureMetaPolicyBias(oracle, Start(oracle), 40, 7, 1, pool);
  EXPECT_EQ(b.relative_bias, 0.0);
  EXPECT_EQ(b.monte_carlo, 0.0);
}

TEST(MetaPolicyBiasTest, MamlPgMissesTheScoreTermAndThreadsDoNotMatter) {
  const MetaPolicyOracle oracle(Nav(MetaPolicyAlgorithm::kMamlPg), 1);
  const core::Vector x = Start(oracle);
  core::WorkerPool one(1), three(3);
  const core::BiasEstimate b = MeasureMetaPolicyBias(oracle, x, 40, 7, 1, one);
  EXPECT_TRUE(std::isfinite(b.relative_bias) && std::isfinite(b.monte_carlo));
  EXPECT_GT(b.relative_bias, 0.0);
  EXPECT_GT(b.monte_carlo, 0.0);
  const core::BiasEstimate again = MeasureMetaPolicyBias(oracle, x, 40, 7, 1, three);
  EXPECT_EQ(b.relative_bias, again.relative_bias);
  EXPECT_EQ(b.monte_carlo, again.monte_carlo);
  // Another iteration draws other tasks.
  EXPECT_NE(MeasureMetaPolicyBias(oracle, x, 40, 7, 2, one).relative_bias, b.relative_bias);
}

// One MDP for every task, so that enumerated units are all the same; the plain estimator, so
// that the outer batch's gradient is unbiased given the inner ones and the Monte-Carlo reference
// measures the same bias.
MetaPolicyProblemOptions Tabular(MetaPolicyAlgorithm algorithm, int episodes) {
  MetaPolicyProblemOptions o;
  o.family = "TabularMdp(states=2,actions=2,horizon=3,mdp=4)";
  o.episodes = episodes;
  o.policy.hidden = {};
  o.meta.algorithm = algorithm;
  o.meta.inner_lr = 0.5;
  o.meta.estimator.estimator = MakeEstimator("gpomdp");
  o.meta.estimator.baseline = Baseline::kNone;
  o.meta.estimator.mean = GradientMean::kEpisode;
  o.meta.estimator.normalize_advantages = false;
  o.meta.estimator.discount = 0.9;
  return o;
}

TEST(MetaPolicyBiasTest, OnTheTabularFamilyEnumerationIsExactAndMonteCarloAgrees) {
  const MetaPolicyOracle oracle(Tabular(MetaPolicyAlgorithm::kMamlPg, 2), 1);
  const core::Vector x = Start(oracle);
  core::WorkerPool pool(2);
  const core::BiasEstimate exact = MeasureMetaPolicyBias(oracle, x, 32, 7, 1, pool);
  EXPECT_GT(exact.relative_bias, 0.02);
  EXPECT_LT(exact.monte_carlo, 1e-6 * exact.relative_bias) << "every unit is the same exact figure";
  EXPECT_GT(exact.relative_spread, exact.relative_bias) << "one task's estimate spreads more than it is biased";
  // Inner batches drawn rather than enumerated (the outer gradient still exact), and everything
  // drawn (the Monte-Carlo reference).
  const core::BiasEstimate drawn = MeasureMetaPolicyBias(oracle, x, 20000, 7, 1, pool, {true, 0});
  const core::BiasEstimate monte_carlo = MeasureMetaPolicyBias(oracle, x, 20000, 7, 1, pool, {false});
  for (const core::BiasEstimate& b : {drawn, monte_carlo}) {
    EXPECT_LT(b.monte_carlo, 0.2 * exact.relative_bias) << "the sample must resolve the bias";
    EXPECT_NEAR(b.relative_bias, exact.relative_bias, 4 * b.monte_carlo);
  }
  EXPECT_LT(drawn.monte_carlo, monte_carlo.monte_carlo) << "only the inner batches are drawn";
  // Threads change nothing, enumerated or drawn.
  core::WorkerPool three(3);
  core::WorkerPool one(1);
  for (core::WorkerPool* other : {&one, &three}) {
    const core::BiasEstimate again = MeasureMetaPolicyBias(oracle, x, 32, 7, 1, *other);
    EXPECT_EQ(again.relative_bias, exact.relative_bias);
    EXPECT_EQ(again.relative_spread, exact.relative_spread);
  }
  EXPECT_EQ(MeasureMetaPolicyBias(oracle, x, 20000, 7, 1, three, {true, 0}).relative_bias, drawn.relative_bias);
}

TEST(MetaPolicyBiasTest, OnTheTabularFamilyTheCorrectedEstimatorIsExactlyUnbiased) {
  const MetaPolicyOracle oracle(Tabular(MetaPolicyAlgorithm::kMamlPgDice, 2), 1);
  core::WorkerPool pool(2);
  EXPECT_EQ(MeasureMetaPolicyBias(oracle, Start(oracle), 16, 7, 1, pool).relative_bias, 0.0);
}

}  // namespace
}  // namespace pmlab::rl
