// The conformance suite every registered environment passes, in its variants: spaces respected
// under random actions, no NaN, determinism by seed, fresh episodes after the end, and
// Gymnasium's terminated / truncated distinction at the time limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "envs/registry.h"

namespace pmlab::envs {
namespace {

Eigen::VectorXd RandomAction(const Space& space, core::Rng& rng) {
  if (space.IsDiscrete()) return Eigen::VectorXd::Constant(1, static_cast<double>(rng.Below(space.discrete)));
  Eigen::VectorXd a(space.Dimension());
  for (int i = 0; i < a.size(); ++i) a[i] = rng.Uniform(space.low[i], space.high[i]);
  return a;
}

struct Trajectory {
  std::vector<Eigen::VectorXd> observations;
  std::vector<double> rewards;
  bool terminated = false, truncated = false;
};

// One episode with random actions from `action_seed`, at most `max_steps` steps.
Trajectory Rollout(Environment& env, std::uint64_t seed, std::uint64_t action_seed, int max_steps = 1 << 30) {
  core::Rng actions(action_seed);
  Trajectory t;
  t.observations.push_back(env.Reset(seed));
  for (int k = 0; k < max_steps && !env.episode_over(); ++k) {
    const StepResult r = env.Step(RandomAction(env.action_space(), actions));
    t.observations.push_back(env.observation());
    t.rewards.push_back(r.reward);
    t.terminated = r.terminated;
    t.truncated = r.truncated;
  }
  return t;
}

bool Same(const Trajectory& a, const Trajectory& b) {
  if (a.observations.size() != b.observations.size() || a.rewards != b.rewards) return false;
  for (std::size_t i = 0; i < a.observations.size(); ++i)
    if (a.observations[i] != b.observations[i]) return false;
  return true;
}

// Every registered environment, and the variants its parameters make.
std::vector<std::string> Specs() {
  std::vector<std::string> specs;
  for (const auto& info : RegisteredEnvironments()) specs.push_back(info.name);
  specs.push_back("LunarLander-v3(continuous=true)");
  specs.push_back("BipedalWalker-v3(hardcore=true)");
  specs.push_back("LunarLander-v3(enable_wind=true,wind_power=20,turbulence_power=2,gravity=-11.99)");
  specs.push_back("LunarLander-v3(continuous=true,enable_wind=true,gravity=-5)");
  specs.push_back("CartPole-v1(pole_length=1,pole_mass=0.3)");
  specs.push_back("PointNav-v0(goal_x=-0.5,goal_y=0.4)");
  specs.push_back("Pendulum-v1(g=5)");
  // Two tasks of every registered task family, and the wind variant of LunarLander's.
  core::Rng tasks(5);
  for (const auto& family : RegisteredEnvFamilies())
    for (int t = 0; t < 2; ++t) specs.push_back(MakeEnvFamily(family.name)->SampleTask(tasks));
  specs.push_back(MakeEnvFamily("LunarLander(enable_wind=true,gravity_high=-8)")->SampleTask(tasks));
  // A family as an environment: a new task every episode.
  for (const auto& family : RegisteredEnvFamilies()) specs.push_back(family.name);
  return specs;
}

class ConformanceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ConformanceTest, RandomRolloutsStayInTheSpacesWithoutNaN) {
  const auto env = MakeEnvironment(GetParam());
  int episodes_ended_by_the_mdp = 0, outside_nominal = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const Trajectory t = Rollout(*env, seed, 100 + seed);
    ASSERT_FALSE(t.rewards.empty());
    for (const auto& o : t.observations) {
      ASSERT_EQ(o.size(), env->observation_space().Dimension());
      EXPECT_TRUE(o.allFinite()) << "seed " << seed;
      // Nominal bounds (LunarLander's, as Gymnasium declares them) may be left by the physics.
      if (env->observation_space().nominal) {
        outside_nominal += !env->observation_space().Contains(o);
      } else {
        EXPECT_TRUE(env->observation_space().Contains(o)) << "seed " << seed << ": " << o.transpose();
      }
    }
    for (double r : t.rewards) EXPECT_TRUE(std::isfinite(r)) << "seed " << seed;
    EXPECT_TRUE(t.terminated || t.truncated);
    EXPECT_LE(env->steps(), env->time_limit());
    if (t.terminated) ++episodes_ended_by_the_mdp;
    EXPECT_EQ(t.truncated, env->steps() == env->time_limit()) << "seed " << seed;
  }
  RecordProperty("terminated_episodes", episodes_ended_by_the_mdp);
  RecordProperty("observations_outside_nominal_bounds", outside_nominal);
}

TEST_P(ConformanceTest, SameSeedSameTrajectoryOtherSeedsDiffer) {
  const auto a = MakeEnvironment(GetParam());
  const auto b = MakeEnvironment(GetParam());
  const Trajectory first = Rollout(*a, 7, 3, 200);
  EXPECT_TRUE(Same(first, Rollout(*b, 7, 3, 200)));
  EXPECT_TRUE(Same(first, Rollout(*a, 7, 3, 200)));  // again on the same object, after other episodes
  // Another environment seed changes the episode, unless the environment has no randomness
  // of its own (PointNav's start is fixed: its trajectory depends on the actions only).
  const bool own_randomness = GetParam().rfind("PointNav-v0", 0) != 0;
  EXPECT_EQ(Same(first, Rollout(*a, 8, 3, 200)), !own_randomness);
  EXPECT_FALSE(Same(first, Rollout(*a, 7, 4, 200)));  // other actions
  // Instances with other ids draw other episodes from the same seed.
  const auto c = MakeEnvironment(GetParam(), 1);
  EXPECT_EQ(Same(first, Rollout(*c, 7, 3, 200)), !own_randomness);
}

TEST_P(ConformanceTest, ResetAfterTheEndStartsAFreshEpisode) {
  const auto env = MakeEnvironment(GetParam());
  core::Rng rng(1);
  env->Reset(1);
  while (!env->episode_over()) env->Step(RandomAction(env->action_space(), rng));
  EXPECT_THROW(env->Step(RandomAction(env->action_space(), rng)), std::logic_error);
  const Eigen::VectorXd start = env->Reset(2);
  EXPECT_EQ(env->steps(), 0);
  EXPECT_FALSE(env->episode_over());
  EXPECT_TRUE(env->observation_space().Contains(start));
  const StepResult r = env->Step(RandomAction(env->action_space(), rng));
  EXPECT_EQ(env->steps(), 1);
  EXPECT_TRUE(std::isfinite(r.reward));
}

TEST_P(ConformanceTest, TheTimeLimitTruncatesWithoutTerminating) {
  const std::string spec = GetParam();
  // A tabular MDP's episodes end at its horizon (3 here), which the limit must come before.
  const int limit = spec.rfind("TabularMdp", 0) == 0 ? 2 : 5;
  const std::string steps = "max_episode_steps=" + std::to_string(limit);
  const auto env = MakeEnvironment(spec.back() == ')' ? spec.substr(0, spec.size() - 1) + "," + steps + ")" : spec + "(" + steps + ")");
  ASSERT_EQ(env->time_limit(), limit);
  core::Rng rng(4);
  env->Reset(3);
  StepResult r;
  for (int k = 0; k < limit; ++k) {
    EXPECT_FALSE(r.truncated);
    r = env->Step(RandomAction(env->action_space(), rng));
  }
  EXPECT_TRUE(r.truncated);
  EXPECT_FALSE(r.terminated);
  EXPECT_TRUE(env->episode_over());
}

TEST_P(ConformanceTest, BadActionsAreRefused) {
  const auto env = MakeEnvironment(GetParam());
  EXPECT_THROW(env->Step(Eigen::VectorXd::Zero(env->action_space().Dimension())), std::logic_error);  // before Reset
  env->Reset(0);
  EXPECT_THROW(env->Step(Eigen::VectorXd::Zero(env->action_space().Dimension() + 1)), std::invalid_argument);
  Eigen::VectorXd bad = Eigen::VectorXd::Zero(env->action_space().Dimension());
  bad[0] = env->action_space().IsDiscrete() ? env->action_space().discrete : std::nan("");
  EXPECT_THROW(env->Step(bad), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Registered, ConformanceTest, ::testing::ValuesIn(Specs()), [](const auto& info) {
  std::string name;
  for (char c : info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name + "_" + std::to_string(info.index);
});

// The number after `key=` in a spec.
double Value(const std::string& spec, const std::string& key) {
  const auto at = spec.find(key + "=");
  return at == std::string::npos ? std::nan("") : std::stod(spec.substr(at + key.size() + 1));
}

TEST(EnvFamilyTest, TasksComeFromTheFamilysStreamWithinItsRanges) {
  const auto family = MakeEnvFamily("LunarLander(enable_wind=true,gravity_low=-11,gravity_high=-6,wind_power_max=10)");
  core::Rng a(9), b(9);
  std::vector<std::string> seen;
  for (int t = 0; t < 200; ++t) {
    const std::string spec = family->SampleTask(a);
    EXPECT_EQ(spec, family->SampleTask(b));  // the same stream, the same tasks
    const double g = Value(spec, "gravity"), wind = Value(spec, "wind_power");
    EXPECT_GE(g, -11.0);
    EXPECT_LE(g, -6.0);
    EXPECT_GE(wind, 0.0);
    EXPECT_LE(wind, 10.0);
    EXPECT_NO_THROW(MakeEnvironment(spec));
    seen.push_back(spec);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()) - seen.begin(), 200);  // every task differs

  core::Rng goals(1);
  const auto nav = MakeEnvFamily("PointNav");
  for (int t = 0; t < 200; ++t) {
    const std::string spec = nav->SampleTask(goals);
    EXPECT_LE(std::abs(Value(spec, "goal_x")), 0.5);
    EXPECT_LE(std::abs(Value(spec, "goal_y")), 0.5);
  }
  EXPECT_THROW(MakeEnvFamily("LunarLander(gravity_low=-13)"), std::invalid_argument);
  EXPECT_THROW(MakeEnvFamily("CartPole(length_low=2,length_high=1)"), std::invalid_argument);
  EXPECT_THROW(MakeEnvFamily("Humanoid"), std::invalid_argument);
  core::Rng speeds(2);
  const auto walker = MakeEnvFamily("BipedalWalkerVelocity(velocity_low=1,velocity_high=2)");
  for (int t = 0; t < 50; ++t) {
    const double v = Value(walker->SampleTask(speeds), "target_velocity");
    EXPECT_TRUE(v >= 1 && v <= 2) << v;
  }
  // One MDP for every task when its seed is given, a new one per task otherwise.
  core::Rng mdps(3);
  EXPECT_EQ(MakeEnvFamily("TabularMdp(mdp=7)")->SampleTask(mdps), "TabularMdp-v0(states=2,actions=2,horizon=3,mdp=7)");
  const auto random_mdps = MakeEnvFamily("TabularMdp(states=4)");
  EXPECT_NE(random_mdps->SampleTask(mdps), random_mdps->SampleTask(mdps));
  EXPECT_THROW(MakeEnvFamily("BipedalWalkerVelocity(velocity_low=3,velocity_high=1)"), std::invalid_argument);
  EXPECT_THROW(MakeEnvFamily("TabularMdp(actions=1)"), std::invalid_argument);
  EXPECT_EQ(RegisteredEnvFamilies().size(), 5u);
}

TEST(RegistryTest, SpecsAreParsedAndCheckedWithClearErrors) {
  const auto env = MakeEnvironment("LunarLander-v3( continuous = true , gravity=-8 )");
  EXPECT_FALSE(env->action_space().IsDiscrete());
  const auto message = [](const std::string& spec) {
    try {
      MakeEnvironment(spec);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("MoonLander-v3").find("registered: BipedalWalker-v3, BipedalWalkerHardcore-v3, BipedalWalkerVelocity-v0, CartPole-v1, LunarLander-v3"), std::string::npos);
  EXPECT_NE(message("LunarLander-v3(gravitas=1)").find("no parameter 'gravitas' (allowed: continuous, gravity"), std::string::npos);
  EXPECT_NE(message("LunarLander-v3(gravity=-13)").find("between -12 and 0"), std::string::npos);
  EXPECT_NE(message("LunarLander-v3(gravity=low)").find("needs a number"), std::string::npos);
  EXPECT_NE(message("LunarLander-v3(continuous=yes)").find("true or false"), std::string::npos);
  EXPECT_NE(message("LunarLander-v3(gravity)").find("key=value"), std::string::npos);
  EXPECT_NE(message("LunarLander-v3(gravity=-5").find("must end with ')'"), std::string::npos);
  EXPECT_NE(message("CartPole-v1(max_episode_steps=0)").find("whole number >= 1"), std::string::npos);
  EXPECT_NE(message("CartPole-v1(pole_mass=1,pole_mass=2)").find("given twice"), std::string::npos);

  const auto infos = RegisteredEnvironments();
  const auto lander = std::find_if(infos.begin(), infos.end(), [](const EnvironmentInfo& e) { return e.name == "LunarLander-v3"; });
  ASSERT_NE(lander, infos.end());
  EXPECT_EQ(lander->time_limit, 1000);
  EXPECT_EQ(lander->action_space.ToString(), "Discrete(4)");
  EXPECT_EQ(lander->parameters[1].name, "gravity");
  EXPECT_EQ(lander->parameters[1].default_value, "-10");
}

}  // namespace
}  // namespace pmlab::envs
