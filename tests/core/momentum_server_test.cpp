#include "core/opt/momentum_server.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace pmlab::core {
namespace {

Vector V(std::initializer_list<float> values) {
  Vector v(static_cast<Index>(values.size()));
  Index i = 0;
  for (float x : values) v[i++] = x;
  return v;
}

TEST(MomentumServerTest, FollowsThePapersRecurrenceByHand) {
  MomentumOptions o;
  o.lr = 0.5;
  o.beta = 0.25;
  MomentumServer server(o, 10);
  MomentumState s;
  s.x = V({1, 2});
  // k = 1: v = g1 = (4, 0); x = (1, 2) - 0.5 (4, 0) = (-1, 2).
  server.Step(V({4, 0}), s);
  EXPECT_EQ(s.v, V({4, 0}));
  EXPECT_EQ(s.x, V({-1, 2}));
  // k = 2: v = 0.75 (4, 0) + 0.25 (0, 8) = (3, 2); x = (-1, 2) - 0.5 (3, 2) = (-2.5, 1).
  server.Step(V({0, 8}), s);
  EXPECT_EQ(s.v, V({3, 2}));
  EXPECT_EQ(s.x, V({-2.5f, 1}));
  EXPECT_EQ(s.steps, 2);
  EXPECT_EQ(s.iteration, 0);  // rounds are the caller's to count
}

TEST(MomentumServerTest, BetaOneIsGradientDescent) {
  MomentumOptions o;
  o.lr = 0.1;
  o.beta = 1.0;
  MomentumServer server(o, 10);
  MomentumState s;
  s.x = V({1, 1});
  Vector x = s.x;
  for (const Vector& g : {V({1, 2}), V({-3, 0.5f}), V({0, 4})}) {
    server.Step(g, s);
    x -= 0.1f * g;
    EXPECT_EQ(s.x, x);
  }
}

TEST(MomentumServerTest, NesterovStepsAlongTheLookAhead) {
  MomentumOptions o;
  o.lr = 1.0;
  o.beta = 0.5;
  o.nesterov = true;
  MomentumServer server(o, 10);
  MomentumState s;
  s.x = V({0});
  server.Step(V({2}), s);  // v = 2; step 0.5*2 + 0.5*2 = 2
  EXPECT_EQ(s.x, V({-2}));
  server.Step(V({4}), s);  // v = 0.5*2 + 0.5*4 = 3; step 0.5*4 + 0.5*3 = 3.5
  EXPECT_EQ(s.x, V({-5.5f}));
}

TEST(MomentumServerTest, WorkerPlacementMakesTheServerPlain) {
  MomentumOptions o;
  o.lr = 1.0;
  o.beta = 0.1;
  o.placement = MomentumPlacement::kWorker;
  MomentumServer server(o, 10);
  MomentumState s;
  s.x = V({0});
  server.Step(V({1}), s);
  server.Step(V({3}), s);
  EXPECT_EQ(s.x, V({-4}));
}

TEST(MomentumServerTest, SchedulesScaleTheStep) {
  MomentumOptions o;
  o.lr = 2.0;
  o.schedule = StepSchedule::Parse("step:3:0.5");
  MomentumServer server(o, 10);
  MomentumState s;
  s.x = V({0});
  std::vector<double> used;
  for (int k = 0; k < 7; ++k) {
    used.push_back(server.Step(V({0}), s));
    ++s.iteration;
  }
  EXPECT_EQ(used, (std::vector<double>{2, 2, 2, 1, 1, 1, 0.5}));
  // The schedule follows rounds: the steps of one round share its step size.
  for (int k = 0; k < 3; ++k) EXPECT_EQ(server.Step(V({0}), s), 0.5);
  const StepSchedule cosine = StepSchedule::Parse("cosine");
  EXPECT_DOUBLE_EQ(cosine.Factor(0, 100), 1.0);
  EXPECT_NEAR(cosine.Factor(50, 100), 0.5, 1e-12);
  EXPECT_NEAR(cosine.Factor(100, 100), 0.0, 1e-12);
}

// A server of `spec` at step size `lr`, run from x0 on f(x) = x^2 / 2 (so g = x) for `steps`.
std::vector<float> OnTheParabola(const std::string& spec, double lr, float x0, int steps) {
  MomentumOptions o;
  o.server = spec;
  o.lr = lr;
  MomentumServer server(o, steps);
  MomentumState s;
  s.x = V({x0});
  std::vector<float> xs;
  for (int k = 0; k < steps; ++k) {
    server.Step(s.x, s);
    xs.push_back(s.x[0]);
  }
  return xs;
}

TEST(MomentumServerTest, AdamsFirstStepIsTheStepSizeAlongTheSign) {
  // m = (1 - b1) g and s = (1 - b2) g^2, corrected by 1 - b^1: the step is lr g / (|g| + eps).
  MomentumOptions o;
  o.server = "adam";
  o.lr = 0.1;
  MomentumServer server(o, 10);
  MomentumState s;
  s.x = V({1, 1, 1});
  server.Step(V({4, -0.5f, 0}), s);
  EXPECT_NEAR(s.x[0], 0.9f, 1e-6);  // float rounding of 1 - b2 and its root
  EXPECT_NEAR(s.x[1], 1.1f, 1e-6);
  EXPECT_EQ(s.x[2], 1.0f);  // a zero coordinate stays: 0 / (0 + eps)
  EXPECT_EQ(s.v.size(), 3);
  EXPECT_EQ(s.u.size(), 3);
}

TEST(MomentumServerTest, AdamByHandOnAParabola) {
  // beta1 = 0.5, beta2 = 0.75, lr = 0.5, x0 = 2, g = x:
  // k = 1: m = 1, s = 1, c1 = 0.5, c2 = 0.25: x = 2 - (0.5 / 0.5) * 1 / (1 / 0.5) = 1.5.
  // k = 2: m = 0.5 + 0.75 = 1.25, s = 0.75 + 0.25 * 2.25 = 1.3125, c1 = 0.75, c2 = 0.4375:
  //        x = 1.5 - (0.5 / 0.75) * 1.25 / sqrt(1.3125 / 0.4375) = 1.5 - 0.8333 / sqrt(3) = 1.0188747.
  const auto xs = OnTheParabola("adam(beta1=0.5,beta2=0.75)", 0.5, 2, 2);
  EXPECT_NEAR(xs[0], 1.5, 1e-6);
  EXPECT_NEAR(xs[1], 1.5 - (0.5 / 0.75) * 1.25 / std::sqrt(3.0), 1e-6);
  // Without the correction, k = 1 takes m / sqrt(s) = 1: x = 2 - 0.5 = 1.5 as well, but k = 2
  // takes 0.5 * 1.25 / sqrt(1.3125).
  const auto raw = OnTheParabola("adam(beta1=0.5,beta2=0.75,bias_correction=false)", 0.5, 2, 2);
  EXPECT_NEAR(raw[0], 1.5, 1e-6);
  EXPECT_NEAR(raw[1], 1.5 - 0.5 * 1.25 / std::sqrt(1.3125), 1e-6);
}

TEST(MomentumServerTest, AdamFollowsItsRecurrenceInDoubleOverManySteps) {
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 0.01;
  const auto xs = OnTheParabola("adam", lr, 3, 200);
  double x = 3, m = 0, s = 0;
  for (int t = 1; t <= 200; ++t) {
    const double g = x;
    m = b1 * m + (1 - b1) * g;
    s = b2 * s + (1 - b2) * g * g;
    x -= lr / (1 - std::pow(b1, t)) * m / (std::sqrt(s) / std::sqrt(1 - std::pow(b2, t)) + eps);
    ASSERT_NEAR(xs[t - 1], x, 1e-5 * (1 + std::abs(x))) << "step " << t;
  }
  EXPECT_LT(std::abs(xs.back()), 3.0);  // it went downhill
}

TEST(MomentumServerTest, RmspropByHandOnAParabola) {
  // alpha = 0.75, lr = 0.5, x0 = 2, g = x:
  // k = 1: s = 0.25 * 4 = 1, x = 2 - 0.5 * 2 / 1 = 1;  k = 2: s = 0.75 + 0.25 = 1, x = 0.5;
  // k = 3: s = 0.75 + 0.0625 = 0.8125, x = 0.5 - 0.25 / sqrt(0.8125).
  const auto xs = OnTheParabola("rmsprop(alpha=0.75)", 0.5, 2, 3);
  EXPECT_NEAR(xs[0], 1.0, 1e-6);
  EXPECT_NEAR(xs[1], 0.5, 1e-6);
  EXPECT_NEAR(xs[2], 0.5 - 0.25 / std::sqrt(0.8125), 1e-6);
  // Its first step in general: lr g / (sqrt(1 - alpha) |g| + eps).
  const auto first = OnTheParabola("rmsprop", 0.01, -4, 1);
  EXPECT_NEAR(first[0], -4 + 0.01 * 4 / (std::sqrt(0.01) * 4 + 1e-8), 1e-6);
}

TEST(MomentumServerTest, RulesKeepTheBuffersTheyDeclare) {
  for (const std::string spec : {"momentum", "adam", "rmsprop"}) {
    MomentumOptions o;
    o.server = spec;
    MomentumServer server(o, 10);
    MomentumState s;
    s.x = V({1, 2});
    server.Step(V({1, 1}), s);
    const ServerRule::Buffers keeps = server.rule().Keeps();
    EXPECT_EQ(s.v.size(), keeps.v ? 2 : 0) << spec;
    EXPECT_EQ(s.u.size(), keeps.u ? 2 : 0) << spec;
  }
}

TEST(MomentumServerTest, RejectsBadOptions) {
  for (const char* spec : {"sgd", "adam(beta1=1)", "adam(beta2=1)", "adam(beta2=-0.1)", "adam(eps=0)", "adam(gamma=1)",
                           "rmsprop(alpha=1)", "rmsprop(eps=-1)", "adam(bias_correction=yes)"}) {
    MomentumOptions o;
    o.server = spec;
    try {
      o.Validate();
      ADD_FAILURE() << spec << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).rfind("--server: ", 0), 0u) << e.what();
    }
  }
  MomentumOptions nesterov_adam;
  nesterov_adam.server = "adam";
  nesterov_adam.nesterov = true;
  EXPECT_THROW(nesterov_adam.Validate(), std::invalid_argument);
  nesterov_adam.placement = MomentumPlacement::kWorker;  // Nesterov at the workers, Adam at the server
  EXPECT_NO_THROW(nesterov_adam.Validate());

  for (double beta : {0.0, -0.1, 1.5, std::nan("")}) {
    MomentumOptions o;
    o.beta = beta;
    EXPECT_THROW(o.Validate(), std::invalid_argument) << beta;
  }
  for (double lr : {0.0, -1.0, std::nan(""), double(INFINITY)}) {
    MomentumOptions o;
    o.lr = lr;
    EXPECT_THROW(o.Validate(), std::invalid_argument) << lr;
  }
  for (const char* spec : {"linear", "step:0:0.5", "step:3:1.5", "step:3", "step:x:0.5"})
    EXPECT_THROW(StepSchedule::Parse(spec), std::invalid_argument) << spec;
}

}  // namespace
}  // namespace pmlab::core
