// The RL problem's own state: what an iteration leaves in it, and the refusal of state that
// does not fit.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/opt/parallel_momentum.h"
#include "rl/policy_gradient_oracle.h"

namespace pmlab::rl {
namespace {

PolicyGradientOptions Options(const std::string& env) {
  PolicyGradientOptions o;
  o.rollout.env = env;
  o.rollout.horizon = 100;
  o.rollout.environments = 2;
  o.normalize_observations = true;
  return o;
}

// Runs `iterations` iterations of 3 workers and returns the oracle's state.
core::ProblemStateBlob Train(PolicyGradientOracle& oracle, int iterations) {
  core::WorkerPool pool(2);
  core::ParallelMomentumOptions o;
  o.workers = 3;
  o.momentum.lr = 0.01;
  core::Rng init(1);
  core::ParallelMomentum method(o, oracle, pool, oracle.Initial(init), 1000);
  for (int i = 0; i < iterations; ++i) method.Step();
  return core::ProblemStateBlob::Of(oracle);
}

TEST(PolicyGradientOracleTest, AnIterationFillsTheStateAndItRoundTrips) {
  PolicyGradientOracle oracle(Options("CartPole-v1"), 3, 475.0);
  const core::ProblemStateBlob blob = Train(oracle, 2);
  EXPECT_EQ(oracle.record().episodes, 2 * 3 * 2);
  EXPECT_GT(oracle.record().steps, 2 * 3 * 2 * 8);  // CartPole lasts at least 8 steps
  EXPECT_EQ(oracle.normalizer().moments().count, oracle.record().steps + oracle.record().episodes);  // resets too
  EXPECT_NE(oracle.value().weights().norm(), 0.0);
  ASSERT_TRUE(oracle.record().last_return.has_value());
  EXPECT_FALSE(oracle.record().solved_iteration.has_value());

  PolicyGradientOracle restored(Options("CartPole-v1"), 3, 475.0);
  blob.RestoreInto(restored, "test");
  EXPECT_EQ(core::ProblemStateBlob::Of(restored), blob);
  EXPECT_EQ(restored.value().weights(), oracle.value().weights());
  EXPECT_EQ(restored.record().steps, oracle.record().steps);
}

TEST(PolicyGradientOracleTest, NormalisedRewardsAreScaledByTheMergedReturnsAndTheScaleIsState) {
  PolicyGradientOptions o = Options("CartPole-v1");
  o.rollout.steps_per_environment = 40;
  o.rollout.return_discount = o.estimator.discount;
  o.normalize_rewards = true;
  PolicyGradientOracle oracle(o, 3, 475.0);
  const core::ProblemStateBlob blob = Train(oracle, 2);
  // Every step's return so far joined the moments: 2 iterations x 3 workers x 2 x 40 steps.
  EXPECT_EQ(oracle.return_moments().count, 2 * 3 * 2 * 40);
  EXPECT_GT(oracle.return_moments().Variance()[0], 1.0);  // CartPole pays 1 a step: returns grow past 1
  PolicyGradientOracle restored(o, 3, 475.0);
  blob.RestoreInto(restored, "test");
  EXPECT_EQ(restored.return_moments().count, oracle.return_moments().count);
  EXPECT_EQ(restored.return_moments().m2, oracle.return_moments().m2);
  // The first iteration has no returns to scale by: its estimate is the raw rewards' exactly.
  PolicyGradientOptions raw = o;
  raw.normalize_rewards = false;
  PolicyGradientOracle a(o, 1, 475.0), b(raw, 1, 475.0);
  core::Rng init(2);
  const core::Vector x = a.Initial(init);
  core::Vector ga(a.Dimension()), gb(b.Dimension());
  core::Rng ra(9), rb(9);
  a.Estimate(0, x, ra, ga);
  b.Estimate(0, x, rb, gb);
  EXPECT_EQ(ga, gb);
  // Once returns are known the rewards shrink by their spread: another estimate.
  a.MergeWorkers(1, x);
  b.MergeWorkers(1, x);
  a.Estimate(0, x, ra, ga);
  b.Estimate(0, x, rb, gb);
  EXPECT_NE(ga, gb);
}

TEST(PolicyGradientOracleTest, AValueNetworkFollowsThePolicyInXAndItsTargetScaleIsState) {
  PolicyGradientOptions o = Options("CartPole-v1");
  o.value_hidden = {8};
  PolicyGradientOracle oracle(o, 3, 475.0);
  const PolicyGradientOracle linear(Options("CartPole-v1"), 3, 475.0);
  EXPECT_EQ(oracle.policy_size(), linear.Dimension());
  EXPECT_EQ(oracle.Dimension(), oracle.policy_size() + (4 + 1) * 8 + (8 + 1));
  const core::ProblemStateBlob blob = Train(oracle, 2);
  EXPECT_EQ(oracle.value_targets().count, oracle.record().steps);  // one target per step
  EXPECT_EQ(oracle.value().weights().norm(), 0.0);                  // no linear fit beside the network

  PolicyGradientOracle restored(o, 3, 475.0);
  blob.RestoreInto(restored, "test");
  EXPECT_EQ(restored.value_targets().count, oracle.value_targets().count);
  EXPECT_EQ(restored.value_targets().mean, oracle.value_targets().mean);
  EXPECT_EQ(restored.value_targets().m2, oracle.value_targets().m2);
}

TEST(PolicyGradientOracleTest, StateThatDoesNotFitIsRefused) {
  PolicyGradientOracle cartpole(Options("CartPole-v1"), 3, 475.0);
  core::ProblemStateBlob blob = Train(cartpole, 1);
  PolicyGradientOracle lander(Options("LunarLander-v3"), 3, 200.0);
  EXPECT_THROW(blob.RestoreInto(lander, "test"), std::runtime_error);  // 4 observation entries, not 8
  core::ProblemStateBlob truncated = blob;
  truncated.bytes.resize(truncated.bytes.size() / 2);
  EXPECT_THROW(truncated.RestoreInto(cartpole, "test"), std::runtime_error);
  core::ProblemStateBlob future = blob;
  future.version = cartpole.StateVersion() + 1;
  EXPECT_THROW(future.RestoreInto(cartpole, "test"), std::runtime_error);
}

}  // namespace
}  // namespace pmlab::rl
