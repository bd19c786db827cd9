// The bias measurement of meta-RL estimators on PointNav: both estimators of a unit see the same
// episodes (the corrected estimator measured against itself has no bias at all), maml-pg's
// dropped score term shows, and the figure does not depend on the thread count.
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

}  // namespace
}  // namespace pmlab::rl
