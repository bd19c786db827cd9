#include "core/opt/momentum_server.h"

#include <gtest/gtest.h>

#include <cmath>

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
  EXPECT_EQ(s.iteration, 2);
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
  for (int k = 0; k < 7; ++k) used.push_back(server.Step(V({0}), s));
  EXPECT_EQ(used, (std::vector<double>{2, 2, 2, 1, 1, 1, 0.5}));
  const StepSchedule cosine = StepSchedule::Parse("cosine");
  EXPECT_DOUBLE_EQ(cosine.Factor(0, 100), 1.0);
  EXPECT_NEAR(cosine.Factor(50, 100), 0.5, 1e-12);
  EXPECT_NEAR(cosine.Factor(100, 100), 0.0, 1e-12);
}

TEST(MomentumServerTest, RejectsBadOptions) {
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
