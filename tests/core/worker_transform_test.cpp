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
  WorkerTransform t({Clipping{}, CompressorSpec::Parse("topk:4"), ErrorFeedback::kClassic}, d);
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
  WorkerTransform t({Clipping{}, CompressorSpec::Parse("topk:8"), ErrorFeedback::kEf21}, d);
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
  WorkerTransform t({Clipping::Parse("norm:1"), CompressorSpec::Parse("topk:1"), ErrorFeedback::kNone}, d);
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

}  // namespace
}  // namespace pmlab::core
