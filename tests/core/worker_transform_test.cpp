#include "core/opt/worker_transform.h"

#include "core/opt/top_k.h"

#include <gtest/gtest.h>

namespace pmlab::core {
namespace {

// What a worker sends, as d values.
Vector Sent(const WorkerTransform& t, const Message& m) {
  Vector v(t.compressor().dimension());
  t.compressor().Expand(m, v);
  return v;
}

Vector RandomVector(Index d, Rng& rng) {
  Vector v(d);
  for (Index i = 0; i < d; ++i) v[i] = static_cast<float>(rng.Normal());
  return v;
}

TEST(WorkerTransformTest, ClassicErrorFeedbackKeepsExactlyWhatWasNotSent) {
  const Index d = 64;
  WorkerTransform t({"none", "topk:4", "ef"}, d);
  WorkerMemory memory;
  t.InitMemory(memory);
  Rng data(3);
  Vector out(d), work;
  Message message;
  Eigen::VectorXd sent = Eigen::VectorXd::Zero(d), given = Eigen::VectorXd::Zero(d);
  for (int step = 0; step < 50; ++step) {
    const Vector g = RandomVector(d, data);
    const Vector before = memory.feedback;
    t.Apply(g, memory, message, work);
    out = Sent(t, message);
    // e_new = e + g - C(e + g), coordinate by coordinate.
    EXPECT_LT((memory.feedback - (before + g - out)).norm(), 1e-5f);
    sent += out.cast<double>();
    given += g.cast<double>();
  }
  // Telescoping: everything given was either sent or is still in memory.
  EXPECT_LT((given - sent - memory.feedback.cast<double>()).norm(), 1e-4);
}

TEST(WorkerTransformTest, Ef21TracksTheGradient) {
  const Index d = 32;
  WorkerTransform t({"none", "topk:8", "ef21"}, d);
  WorkerMemory memory;
  t.InitMemory(memory);
  Rng data(4);
  const Vector g = RandomVector(d, data);
  Vector out(d), work;
  Message message;
  Vector previous = Vector::Zero(d);
  for (int step = 0; step < 4; ++step) {
    t.Apply(g, memory, message, work);
    out = Sent(t, message);
    // s_{t+1} = s_t + TopK(g - s_t) and the contribution is s_{t+1}.
    Vector expected(d);
    TopK(d, 8).Compress(Vector(g - previous), expected, data);
    expected += previous;
    EXPECT_EQ(out, expected);
    EXPECT_EQ(memory.feedback, expected);
    previous = expected;
  }
  // With a fixed gradient, four Top-8 corrections of 32 coordinates recover it exactly.
  EXPECT_LT((out - g).norm(), 1e-6f);
}

TEST(WorkerTransformTest, ClipsBeforeCompressingAndReportsError) {
  const Index d = 4;
  WorkerTransform t({"norm:1", "topk:1", "none"}, d);
  WorkerMemory memory;
  t.InitMemory(memory);
  Vector g(4), out(4), work;
  g << 0, 3, 0, 4;
  Message message;
  const TransformStats s = t.Apply(g, memory, message, work);
  out = Sent(t, message);
  Vector expected(4);
  expected << 0, 0, 0, 0.8f;
  EXPECT_LT((out - expected).norm(), 1e-6f);
  EXPECT_NEAR(s.input_sq_norm, 25.0, 1e-9);
  EXPECT_NEAR(s.error_sq_norm, (out - g).squaredNorm(), 1e-5);
  EXPECT_DOUBLE_EQ(s.bits, 32 + 2);
}

TEST(WorkerTransformTest, ErrorFeedbackRemembersTheClippedGradient) {
  const Index d = 4;
  for (const char* clip : {"norm:1", "value:0.5"}) {
    WorkerTransform t({clip, "topk:1", "ef"}, d);
    WorkerMemory memory;
    t.InitMemory(memory);
    ASSERT_EQ(memory.feedback.size(), d);
    Vector g(4), work;
    g << 0, 3, 0, -4;
    Message message;
    t.Apply(g, memory, message, work);
    Vector clipped_work;
    const Vector clipped = MakeClipper(clip, d)->Clip(g, clipped_work);
    // e_1 = T(g) - C(T(g)) with e_0 = 0: the clipped gradient less what was sent.
    EXPECT_EQ(memory.feedback + Sent(t, message), clipped) << clip;
  }
}

TEST(WorkerTransformTest, FeedbackRulesSizeTheirMemoryAndRefuseUnknownOnes) {
  EXPECT_EQ(MakeFeedbackRule("none", 10)->MemoryLength(), 0);
  EXPECT_EQ(MakeFeedbackRule("ef", 10)->MemoryLength(), 10);
  EXPECT_EQ(MakeFeedbackRule("ef21", 10)->MemoryLength(), 10);
  for (const char* spec : {"ef22", "ef:1", "ef(beta=1)", ""}) EXPECT_THROW(MakeFeedbackRule(spec, 10), std::invalid_argument) << spec;
  WorkerMemory memory;
  WorkerTransform({"none", "topk:1", "none"}, 10).InitMemory(memory);
  EXPECT_EQ(memory.feedback.size(), 0);
}

}  // namespace
}  // namespace pmlab::core
