// Batched rollouts, the observation statistics and the value fit: the bookkeeping that every
// estimate rests on.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "rl/linear_value.h"
#include "rl/observation_normalizer.h"
#include "rl/rollout.h"

namespace pmlab::rl {
namespace {

struct Fixture {
  explicit Fixture(RolloutOptions o)
      : rollout(o), policy(MakePolicy<float>({}, rollout.observation_space(), rollout.action_space())),
        params(policy->ParameterCount()), normalizer(rollout.observation_space().Dimension(), false) {
    core::Rng init(1);
    policy->Initialize(init, params);
  }
  RolloutCollector rollout;
  std::unique_ptr<Policy<float>> policy;
  core::Vector params;
  ObservationNormalizer normalizer;
};

RolloutOptions Options(const std::string& env, int horizon, int environments, int steps = 0) {
  RolloutOptions o;
  o.env = env;
  o.horizon = horizon;
  o.environments = environments;
  o.steps_per_environment = steps;
  return o;
}

TEST(RolloutTest, EpisodesTileTheBatchAndKeepTheirRewards) {
  Fixture f(Options("CartPole-v1", 500, 5));
  core::Rng rng(3);
  f.rollout.Collect(*f.policy, f.params, f.normalizer, rng, nullptr);
  const auto& episodes = f.rollout.episodes();
  ASSERT_EQ(episodes.size(), 5u);
  std::vector<bool> covered(static_cast<std::size_t>(f.rollout.rewards().size()), false);
  for (const EpisodeSegment& ep : episodes) {
    EXPECT_TRUE(ep.finished);
    EXPECT_TRUE(ep.terminated || ep.length == 500);
    EXPECT_DOUBLE_EQ(f.rollout.rewards().segment(ep.start, ep.length).sum(), ep.total_reward);
    EXPECT_DOUBLE_EQ(ep.total_reward, ep.length);  // CartPole pays 1 per step
    for (int t = 0; t < ep.length; ++t) {
      EXPECT_FALSE(covered[static_cast<std::size_t>(ep.start + t)]);
      covered[static_cast<std::size_t>(ep.start + t)] = true;
    }
  }
  EXPECT_EQ(std::count(covered.begin(), covered.end(), false), 0);
  EXPECT_EQ(f.rollout.actions().cols(), f.rollout.observations().cols());
}

TEST(RolloutTest, TheHorizonCutsEpisodesWithoutEndingTheMdp) {
  Fixture f(Options("LunarLander-v3", 25, 3));
  core::Rng rng(4);
  f.rollout.Collect(*f.policy, f.params, f.normalizer, rng, nullptr);
  for (const EpisodeSegment& ep : f.rollout.episodes()) {
    EXPECT_EQ(ep.length, 25);  // a lander does not land in 25 steps
    EXPECT_FALSE(ep.terminated);
    EXPECT_TRUE(ep.finished);
  }
}

TEST(RolloutTest, AStepBudgetRestartsEpisodesAndCutsTheLast) {
  Fixture f(Options("CartPole-v1", 500, 2, 300));
  core::Rng rng(5);
  f.rollout.Collect(*f.policy, f.params, f.normalizer, rng, nullptr);
  EXPECT_EQ(f.rollout.observations().cols(), 600);
  int unfinished = 0;
  Eigen::Index steps = 0;
  for (const EpisodeSegment& ep : f.rollout.episodes()) {
    steps += ep.length;
    if (!ep.finished) {
      ++unfinished;
      EXPECT_FALSE(ep.terminated);
    }
  }
  EXPECT_EQ(steps, 600);
  EXPECT_GT(f.rollout.episodes().size(), 4u);  // a random policy falls within ~25 steps
  EXPECT_LE(unfinished, 2);
}

TEST(RolloutTest, TheSameStreamGivesTheSameBatch) {
  Fixture a(Options("LunarLander-v3(continuous=true)", 60, 3)), b(Options("LunarLander-v3(continuous=true)", 60, 3));
  core::Rng ra(9), rb(9);
  a.rollout.Collect(*a.policy, a.params, a.normalizer, ra, nullptr);
  b.rollout.Collect(*b.policy, b.params, b.normalizer, rb, nullptr);
  EXPECT_EQ(a.rollout.observations(), b.rollout.observations());
  EXPECT_EQ(a.rollout.actions(), b.rollout.actions());
  EXPECT_EQ(a.rollout.rewards(), b.rollout.rewards());
  // And a later batch from the same stream differs.
  a.rollout.Collect(*a.policy, a.params, a.normalizer, ra, nullptr);
  EXPECT_NE(a.rollout.rewards(), b.rollout.rewards());
}

// Per environment, its rewards in order over some Collects, and the finished episodes' returns.
struct Lanes {
  std::vector<std::vector<double>> rewards;
  std::vector<double> returns;
};
void Record(const RolloutCollector& rollout, int steps_per_environment, Lanes& lanes) {
  const auto& rewards = rollout.rewards();
  lanes.rewards.resize(rewards.size() / static_cast<std::size_t>(steps_per_environment));
  for (std::size_t b = 0; b < lanes.rewards.size(); ++b)
    for (int k = 0; k < steps_per_environment; ++k) lanes.rewards[b].push_back(rewards[static_cast<Eigen::Index>(b) * steps_per_environment + k]);
  for (const EpisodeSegment& ep : rollout.episodes())
    if (ep.finished) lanes.returns.push_back(ep.total_reward);
}

TEST(RolloutTest, PersistentEnvironmentsContinueTheirEpisodesAcrossCollects) {
  // LunarLander's episodes outlast a 60-step budget: three Collects of 60 steps per
  // environment are one Collect of 180, draw for draw.
  RolloutOptions persistent = Options("LunarLander-v3", 1000, 2, 60);
  persistent.persistent = true;
  Fixture f(persistent), g(Options("LunarLander-v3", 1000, 2, 180));
  core::Rng a(7), b(7);
  Lanes pieces, whole;
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(f.rollout.Collect(*f.policy, f.params, f.normalizer, a, nullptr));
    Record(f.rollout, 60, pieces);
    if (k > 0) {
      EXPECT_GT(f.rollout.episodes().front().first_t, 0) << "the first lane's episode goes on";
    }
  }
  ASSERT_TRUE(g.rollout.Collect(*g.policy, g.params, g.normalizer, b, nullptr));
  Record(g.rollout, 180, whole);
  ASSERT_EQ(pieces.rewards.size(), 2u);
  EXPECT_EQ(pieces.rewards, whole.rewards);
  EXPECT_EQ(a.state(), b.state()) << "the same draws";
  // An episode that crosses an iteration reports its whole return when it ends.
  EXPECT_EQ(pieces.returns, whole.returns);
}

TEST(RolloutTest, SavedEpisodesReplayIntoAnotherCollector) {
  RolloutOptions o = Options("LunarLander-v3(continuous=true)", 1000, 3, 50);
  o.persistent = true;
  Fixture f(o), g(o);
  core::Rng a(11);
  for (int k = 0; k < 2; ++k) f.rollout.Collect(*f.policy, f.params, f.normalizer, a, nullptr);
  std::string bytes;
  core::ByteWriter out(bytes);
  f.rollout.SaveState(out);
  core::ByteReader in(bytes);
  g.rollout.LoadState(in);
  core::Rng b = a;
  for (int k = 0; k < 2; ++k) {
    f.rollout.Collect(*f.policy, f.params, f.normalizer, a, nullptr);
    g.rollout.Collect(*g.policy, g.params, g.normalizer, b, nullptr);
    EXPECT_EQ(f.rollout.rewards(), g.rollout.rewards()) << k;
    EXPECT_EQ(f.rollout.observations(), g.rollout.observations()) << k;
    ASSERT_EQ(f.rollout.episodes().size(), g.rollout.episodes().size());
    for (std::size_t e = 0; e < f.rollout.episodes().size(); ++e) {
      EXPECT_EQ(f.rollout.episodes()[e].first_t, g.rollout.episodes()[e].first_t);
      EXPECT_EQ(f.rollout.episodes()[e].total_reward, g.rollout.episodes()[e].total_reward);
    }
  }
  // A state of other environments, or cut short, is refused by name.
  Fixture other(Options("LunarLander-v3(continuous=true)", 1000, 2, 50));
  core::ByteReader again(bytes);
  EXPECT_THROW(other.rollout.LoadState(again), std::runtime_error);
  const std::string cut = bytes.substr(0, bytes.size() - 9);
  core::ByteReader short_in(cut);
  EXPECT_THROW(g.rollout.LoadState(short_in), std::runtime_error);
}

TEST(RolloutTest, ReturnsSoFarRestartWithEachEpisodeAndGoOnWithAPersistentOne) {
  RolloutOptions o = Options("CartPole-v1", 500, 2, 100);
  o.return_discount = 0.9;
  o.persistent = true;
  Fixture f(o);
  core::Rng rng(4);
  std::vector<double> carried(2, 0.0);  // per lane, the return so far of an episode in progress
  for (int k = 0; k < 3; ++k) {
    f.rollout.Collect(*f.policy, f.params, f.normalizer, rng, nullptr);
    const auto& r = f.rollout.rewards();
    const auto& g = f.rollout.returns_so_far();
    ASSERT_EQ(g.size(), r.size());
    int lane = 0;
    for (const EpisodeSegment& ep : f.rollout.episodes()) {
      lane = static_cast<int>(ep.start / 100);
      double so_far = ep.first_t > 0 ? carried[lane] : 0.0;
      for (Eigen::Index j = ep.start; j < ep.start + ep.length; ++j) {
        so_far = 0.9 * so_far + r[j];
        EXPECT_EQ(g[j], so_far) << "collect " << k << ", step " << j;
      }
      carried[lane] = ep.finished ? 0.0 : so_far;
    }
  }
}

TEST(RolloutTest, GaussianActionsAreRecordedUnclipped) {
  Fixture f(Options("Pendulum-v1", 50, 2));
  core::Rng rng(2);
  f.rollout.Collect(*f.policy, f.params, f.normalizer, rng, nullptr);
  // Unit standard deviation around a near-zero mean: some samples fall outside [-2, 2].
  EXPECT_GT(f.rollout.actions().cwiseAbs().maxCoeff(), 2.0f);
}

TEST(ObservationNormalizerTest, MergedMomentsEqualOneStream) {
  core::Rng rng(1);
  RunningMoments all(3), first(3), second(3);
  for (int i = 0; i < 500; ++i) {
    Eigen::VectorXd x(3);
    x << rng.Normal() * 3 + 1, rng.Uniform(), 5.0;
    all.Add(x);
    (i < 180 ? first : second).Add(x);
  }
  first.Merge(second);
  EXPECT_EQ(first.count, all.count);
  EXPECT_LT((first.mean - all.mean).norm(), 1e-12);
  EXPECT_LT((first.Variance() - all.Variance()).norm(), 1e-10);
  ObservationNormalizer n(3, true);
  n.moments() = all;
  n.Refresh();
  Eigen::VectorXf out(3);
  n.Normalize(all.mean, out);
  EXPECT_LT(out.norm(), 1e-5);  // the mean maps to 0, the constant entry too
  Eigen::VectorXd far = all.mean;
  far[0] += 1e6;
  n.Normalize(far, out);
  EXPECT_EQ(out[0], static_cast<float>(ObservationNormalizer::kClip));
}

TEST(LinearValueTest, FitsATargetInItsFeatureSpace) {
  LinearValue truth(2, 10), fitted(2, 10);
  Eigen::VectorXd w(truth.Features());
  w << 1, -2, 0.5, 0.25, 3, -1, 0.5, 2;
  truth.set_weights(w);
  LinearValue::Normal normal(fitted.Features());
  core::Rng rng(4);
  Eigen::VectorXd phi(fitted.Features());
  for (int i = 0; i < 400; ++i) {
    const Eigen::Vector2d s(rng.Normal(), rng.Normal());
    const int t = static_cast<int>(rng.Below(10));
    truth.Features(s, t, phi);
    normal.Add(phi, truth.Predict(phi));
  }
  fitted.Fit(normal);
  // The time features are nearly collinear and the fit is ridge-regularised, so the weights
  // need not match; the values do.
  double worst = 0;
  for (int i = 0; i < 100; ++i) {
    const Eigen::Vector2d s(rng.Normal(), rng.Normal());
    truth.Features(s, static_cast<int>(rng.Below(10)), phi);
    worst = std::max(worst, std::abs(fitted.Predict(phi) - truth.Predict(phi)));
  }
  EXPECT_LT(worst, 1e-2);  // values of size 1 to 10
}

}  // namespace
}  // namespace pmlab::rl
