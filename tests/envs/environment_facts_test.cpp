// Facts of each environment that a wrong constant or rule would break.
#include <gtest/gtest.h>

#include <box2d/box2d.h>

#include <algorithm>
#include <cmath>

#include "envs/bipedal_walker.h"
#include "envs/cart_pole.h"
#include "envs/lunar_lander.h"
#include "envs/pendulum.h"
#include "envs/point_nav.h"
#include "envs/registry.h"

namespace pmlab::envs {
namespace {

Eigen::VectorXd Action(double a) { return Eigen::VectorXd::Constant(1, a); }

TEST(LunarLanderTest, WithoutEnginesItCrashesWithMinusOneHundredBeforeTheTimeLimit) {
  LunarLander env;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    env.Reset(seed);
    StepResult r;
    while (!env.episode_over()) r = env.Step(Action(0));
    EXPECT_TRUE(r.terminated) << seed;
    EXPECT_FALSE(r.truncated) << seed;
    EXPECT_EQ(r.reward, -100) << seed;
    EXPECT_LT(env.steps(), 200) << seed;
  }
}

TEST(LunarLanderTest, TheMainEngineSlowsTheDescent) {
  LunarLander idle, firing;
  idle.Reset(5);
  firing.Reset(5);
  for (int k = 0; k < 30; ++k) {
    idle.Step(Action(0));
    firing.Step(Action(2));
  }
  EXPECT_LT(idle.observation()[3], -0.3);                         // falling
  EXPECT_GT(firing.observation()[3], idle.observation()[3] + 0.3);  // much slower, or rising
  EXPECT_GT(firing.observation()[1], idle.observation()[1]);      // and higher
}

// Each step's reward is the change of the shaping potential minus the fuel, so over an episode
// they add up to the last shaping minus the first, less the fuel; the ending step pays -100
// (crash) or +100 (at rest) instead.
TEST(LunarLanderTest, ShapingRewardsTelescope) {
  for (const bool continuous : {false, true}) {
    LunarLanderOptions o;
    o.continuous = continuous;
    LunarLander env(o);
    core::Rng rng(11);
    for (std::uint64_t seed = 0; seed < 5; ++seed) {
      const double first = LunarLander::Shaping(env.Reset(seed));
      double sum = 0, fuel = 0, last = first;
      while (!env.episode_over()) {
        Eigen::VectorXd a(continuous ? 2 : 1);
        double step_fuel = 0;
        if (continuous) {
          a << rng.Uniform(-1, 1), rng.Uniform(-1, 1);
          step_fuel = 0.3 * (a[0] > 0 ? (a[0] + 1) * 0.5 : 0) + 0.03 * (std::abs(a[1]) > 0.5 ? std::abs(a[1]) : 0);
        } else {
          a << static_cast<double>(rng.Below(4));
          step_fuel = a[0] == 2 ? 0.3 : (a[0] == 1 || a[0] == 3) ? 0.03 : 0;
        }
        const StepResult r = env.Step(a);
        if (r.terminated) {
          EXPECT_TRUE(r.reward == -100 || r.reward == 100) << r.reward;
          break;
        }
        sum += r.reward;
        fuel += step_fuel;
        last = LunarLander::Shaping(env.observation());
      }
      EXPECT_NEAR(sum + fuel, last - first, 1e-6 * (1 + std::abs(last - first))) << "seed " << seed << (continuous ? " continuous" : "");
    }
  }
}

// With no torque the legs fold, the hull touches the ground, and that ends the episode at -100.
// Gymnasium builds the legs through pybox2d's revoluteJointDef(bodyA=, bodyB=), which sets the
// reference angle to the bodies' angle difference: a leg built tilted by +-0.05 rad has its
// joint limits counted from that tilt. A leg pressed by its motor against the lower limit
// (0.4 rad in joint terms) then sits 0.35 rad from the body, not 0.4.
TEST(LunarLanderTest, LegsRestAgainstTheirLimitsWhereGymnasiumsDo) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    LunarLander lander;
    lander.Reset(seed);
    for (int t = 0; t < 40; ++t) lander.Step(Eigen::VectorXd::Zero(1));  // falling, legs sprung out
    const auto tilts = lander.LegTilts();
    EXPECT_NEAR(tilts[0], 0.4 - 0.05, 0.005) << seed;
    EXPECT_NEAR(tilts[1], -0.4 + 0.05, 0.005) << seed;
  }
}

// The walker's hip angles (obs[4], obs[9]) count from the tilt each upper leg was built with,
// so they read the joint as Gymnasium's do, and the hip limits sit where Gymnasium puts them.
TEST(BipedalWalkerTest, HipAnglesAndLimitsCountFromTheBuiltTilt) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    BipedalWalker walker;
    Eigen::VectorXd o = walker.Reset(seed);
    auto tilts = walker.HipTilts();
    EXPECT_NEAR(o[4], tilts[0] + 0.05, 1e-5) << seed;  // left leg built at -0.05
    EXPECT_NEAR(o[9], tilts[1] - 0.05, 1e-5) << seed;  // right leg built at +0.05
    EXPECT_LT(std::abs(o[4]), 0.1);
    EXPECT_LT(std::abs(o[9]), 0.1);
    Eigen::VectorXd hips_forward(4);
    hips_forward << 1, 0, 1, 0;
    for (int t = 0; t < 60 && !walker.episode_over(); ++t) walker.Step(hips_forward);
    tilts = walker.HipTilts();
    EXPECT_NEAR(tilts[0], 1.1 - 0.05, 0.01) << seed;  // the upper limit, 1.1 in joint terms
    EXPECT_NEAR(tilts[1], 1.1 + 0.05, 0.01) << seed;
  }
}

// Each step's reward is the change of 130 x / SCALE - 5 |hull angle| computed in double from the
// float32 position, as Gymnasium computes it, less 0.00035 * 80 * |a| per motor. The potential
// computed in float32 (130 * x rounded before the division) is off by up to 3e-5 a step.
TEST(BipedalWalkerTest, ShapingRewardIsComputedInDoubleAsGymnasiumDoes) {
  BipedalWalker walker;
  core::Rng rng(5);
  const auto shaping = [&](const Eigen::VectorXd& o) { return 130.0 * static_cast<double>(walker.HullX()) / 30.0 - 5.0 * std::abs(o[0]); };
  double previous = shaping(walker.Reset(3));
  int steps = 0;
  double worst = 0;
  while (!walker.episode_over() && steps < 300) {
    Eigen::VectorXd a(4);
    for (int k = 0; k < 4; ++k) a[k] = rng.Uniform(-1, 1);
    const StepResult r = walker.Step(a);
    if (r.terminated) break;
    const double now = shaping(walker.observation());
    double expected = now - previous;
    for (int k = 0; k < 4; ++k) expected -= 0.00035 * 80 * std::abs(a[k]);
    worst = std::max(worst, std::abs(r.reward - expected));
    previous = now;
    ++steps;
  }
  EXPECT_GT(steps, 50);
  EXPECT_LT(worst, 1e-12);
}

TEST(BipedalWalkerTest, TheVelocityTaskRewardsSpeedTowardsItsTarget) {
  // The same walker and actions as Gymnasium's: equal observations, and a reward that differs
  // only by the progress term, 130 dt / SCALE (v* - |v - v*|) in place of 130 dx / SCALE.
  BipedalWalker plain, fast({false, 1.5});
  EXPECT_EQ(fast.name(), "BipedalWalkerVelocity-v0");
  core::Rng rng(6);
  plain.Reset(4);
  fast.Reset(4);
  double x = plain.HullX();
  int steps = 0;
  while (!plain.episode_over() && steps < 200) {
    Eigen::VectorXd a(4);
    for (int k = 0; k < 4; ++k) a[k] = rng.Uniform(-1, 1);
    const StepResult r = plain.Step(a), v = fast.Step(a);
    ASSERT_EQ(plain.observation(), fast.observation()) << "step " << steps;
    if (r.terminated) break;
    const double speed = plain.observation()[2] * BipedalWalker::kFps / (0.3 * BipedalWalker::kViewportW / BipedalWalker::kScale);
    const double progress = 130.0 * (static_cast<double>(plain.HullX()) - x) / 30.0;
    if (steps > 0) {  // the first step has no shaping difference in either
      EXPECT_NEAR(v.reward - r.reward, 130.0 / 30.0 / 50.0 * (1.5 - std::abs(speed - 1.5)) - progress, 1e-6) << "step " << steps;
    }
    x = plain.HullX();
    ++steps;
  }
  EXPECT_GT(steps, 50);
}

TEST(RegistryTest, GymnasiumsIdsForVariants) {
  const auto lander = MakeEnvironment("LunarLanderContinuous-v3");
  EXPECT_EQ(lander->action_space().Dimension(), 2);
  EXPECT_EQ(MakeEnvironment("BipedalWalkerHardcore-v3")->time_limit(), 2000);
  EXPECT_EQ(MakeEnvironment("LunarLanderContinuous-v3(gravity=-5,continuous=true)")->action_space().Dimension(), 2);
  try {
    MakeEnvironment("LunarLanderContinuous-v3(continuous=false)");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("use LunarLander-v3"), std::string::npos) << e.what();
  }
  // Pendulum's parameter is Gymnasium's keyword g.
  EXPECT_NO_THROW(MakeEnvironment("Pendulum-v1(g=9.81)"));
  try {
    MakeEnvironment("Pendulum-v1(gravity=9.81)");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("allowed: g"), std::string::npos) << e.what();
  }
}

TEST(BipedalWalkerTest, HullContactEndsTheEpisodeWithMinusOneHundred) {
  for (const bool hardcore : {false, true}) {
    BipedalWalker env({hardcore});
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      const Eigen::VectorXd first = env.Reset(seed);
      EXPECT_EQ(first.size(), 24);
      // The straight-down lidar finds the start pad about 2.3 m below (of a 5.3 m range); the
      // slanted ones find it further away.
      EXPECT_NEAR(first[14], 0.43, 0.03);
      EXPECT_LT(first[14], first[20]);
      StepResult r;
      double before_end = 0;
      while (!env.episode_over()) {
        r = env.Step(Eigen::VectorXd::Zero(4));
        if (!r.terminated) before_end += r.reward;
      }
      EXPECT_TRUE(r.terminated) << seed;
      EXPECT_FALSE(r.truncated) << seed;
      EXPECT_EQ(r.reward, -100) << seed;
      EXPECT_LT(env.steps(), 200) << seed;
      EXPECT_LT(std::abs(before_end), 10) << seed;  // no progress and no motor cost before the fall
    }
  }
}

TEST(CartPoleTest, EndsExactlyWhenThePoleLeans12DegreesOrTheCartLeaves) {
  CartPole env;
  for (const double push : {0.0, 1.0}) {
    for (std::uint64_t seed = 0; seed < 5; ++seed) {
      env.Reset(seed);
      Eigen::VectorXd before = env.observation();
      StepResult r;
      while (!env.episode_over()) {
        before = env.observation();
        r = env.Step(Action(push));
        EXPECT_EQ(r.reward, 1.0);
      }
      ASSERT_TRUE(r.terminated);
      const Eigen::VectorXd& s = env.observation();
      const auto outside = [](const Eigen::VectorXd& x) {
        return std::abs(x[0]) > CartPole::kXThreshold || std::abs(x[2]) > CartPole::kThetaThreshold;
      };
      EXPECT_TRUE(outside(s)) << s.transpose();
      EXPECT_FALSE(outside(before)) << before.transpose();
      EXPECT_NEAR(CartPole::kThetaThreshold, 12 * M_PI / 180, 1e-15);
    }
  }
}

TEST(PendulumTest, RewardIsTheCostOfTheStateBeforeTheStep) {
  Pendulum env;
  env.Reset(3);
  core::Rng rng(2);
  for (int k = 0; k < 50; ++k) {
    const Eigen::VectorXd s = env.observation();
    const double u = rng.Uniform(-3, 3);  // clipped to [-2, 2] by the environment
    const StepResult r = env.Step(Action(u));
    const double theta = std::atan2(s[1], s[0]), clipped = std::clamp(u, -2.0, 2.0);
    EXPECT_NEAR(r.reward, -(theta * theta + 0.1 * s[2] * s[2] + 0.001 * clipped * clipped), 1e-12);
    EXPECT_FALSE(r.terminated);
  }
}

TEST(PointNavTest, MovesByItsActionAndStopsAtTheGoal) {
  PointNav env({0.25, 0.25});
  EXPECT_EQ(env.Reset(0), Eigen::Vector2d(0, 0));
  StepResult r = env.Step(Eigen::Vector2d(1, 1));  // a unit action moves at the 0.1 speed limit
  EXPECT_NEAR(env.observation()[0], 0.1, 1e-6);
  EXPECT_NEAR(r.reward, -std::sqrt(2 * 0.15 * 0.15), 1e-6);
  r = env.Step(Eigen::Vector2d(5, 1));  // clipped to the action bound 1
  EXPECT_NEAR(env.observation()[0], 0.2, 1e-6);
  EXPECT_FALSE(r.terminated);
  r = env.Step(Eigen::Vector2d(0.5, 0.5));
  EXPECT_TRUE(r.terminated);
  EXPECT_NEAR(r.reward, 0.0, 1e-6);
}

TEST(PointNavTest, StepsAsTheBox2DPointMassItWas) {
  // The body PointNav used to step: no gravity, no damping, a circle of radius 0.01 and density
  // 1, its velocity set to the commanded one before each step of 1 s (8 velocity and 3 position
  // iterations). Random actions, some beyond the bounds; every coordinate equal bit for bit.
  b2World world(b2Vec2(0, 0));
  b2BodyDef def;
  def.type = b2_dynamicBody;
  def.allowSleep = false;
  b2Body* point = world.CreateBody(&def);
  b2CircleShape dot;
  dot.m_radius = 0.01f;
  point->CreateFixture(&dot, 1.0f);
  PointNav env({0.7, -0.3});
  core::Rng rng(5);
  int steps = 0;
  for (int episode = 0; episode < 30; ++episode) {
    env.Reset(static_cast<std::uint64_t>(episode));
    point->SetTransform(b2Vec2(0, 0), 0);
    point->SetLinearVelocity(b2Vec2(0, 0));
    StepResult r;
    do {
      const Eigen::Vector2d a(rng.Uniform(-1.3, 1.3), rng.Uniform(-1.3, 1.3));
      r = env.Step(a);
      point->SetLinearVelocity(b2Vec2(static_cast<float>(PointNav::kMaxSpeed * std::clamp(a[0], -1.0, 1.0)),
                                      static_cast<float>(PointNav::kMaxSpeed * std::clamp(a[1], -1.0, 1.0))));
      world.Step(1.0f, 8, 3);
      const b2Vec2 p = point->GetPosition();
      ASSERT_EQ(env.observation()[0], static_cast<double>(p.x)) << "step " << steps;
      ASSERT_EQ(env.observation()[1], static_cast<double>(p.y)) << "step " << steps;
      ++steps;
    } while (!r.terminated && !r.truncated);
  }
  EXPECT_EQ(steps, 3000);
}

}  // namespace
}  // namespace pmlab::envs
