#include "core/opt/worker_transform.h"

#include "core/opt/squared_norm.h"
#include "core/opt/top_k.h"

#include <string>

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

// Vectors of every kind Top-K's selection treats differently: a sample that guesses right, lengths
// off the sixteen-float groups, a vector too short to sample, and ties that defeat the guess and
// fall back to the histogram (d = 40,000, all zeros there in round 1).
constexpr Index kSelectionLengths[] = {669706, 100003, 300, 40000};
constexpr const char* kSelectionShares[] = {"0.02", "0.3", "1"};
Vector SelectionInput(Index d, int round, Rng& data) {
  Vector g = RandomVector(d, data);
  if (d == 40000) g.segment(100, 30000).setConstant(round == 1 ? 0.0f : 0.25f);
  return g;
}

// Error feedback around Top-K forms p = g + e, takes ||g||^2 and selects from p in one pass
// (Compressor::EncodeSum); it must send, keep and report exactly what the passes one by one do:
// the norm, then p, then Top-K of p, then e <- p - C(p).
TEST(WorkerTransformTest, FusedErrorFeedbackPassEqualsTheUnfusedPasses) {
  Rng data(11);
  for (const Index d : kSelectionLengths) {
    for (const std::string k : kSelectionShares) {
      WorkerTransform fused({"none", "topk:" + k, "ef"}, d);
      const TopK& topk = dynamic_cast<const TopK&>(fused.compressor());
      WorkerMemory memory;
      fused.InitMemory(memory);
      Vector e = Vector::Zero(d);  // the unfused worker's memory
      Vector work;
      Message message, expected;
      for (int round = 0; round < 3; ++round) {
        const Vector g = SelectionInput(d, round, data);
        const TransformStats stats = fused.Apply(g, memory, message, work);
        const double input = SquaredNorm(g);
        const Vector p = g + e;
        topk.Encode(p, expected, data);
        e = p;
        for (std::size_t i = 0; i < expected.index.size(); ++i) e[expected.index[i]] -= expected.value[i];
        ASSERT_EQ(message.index, expected.index) << "d=" << d << " k=" << k << " round " << round;
        ASSERT_EQ(message.value, expected.value) << "d=" << d << " k=" << k << " round " << round;
        ASSERT_EQ(memory.feedback, e) << "d=" << d << " k=" << k << " round " << round;
        ASSERT_EQ(stats.input_sq_norm, input) << "d=" << d << " k=" << k << " round " << round;
      }
    }
  }
}

// Without error feedback, Top-K sums ||g||^2 in its own pass (Compressor::EncodeNorm): the same
// message and norm as SquaredNorm then Encode.
TEST(WorkerTransformTest, NormInTheCompressorsPassEqualsTheSeparatePasses) {
  Rng data(13);
  for (const Index d : kSelectionLengths) {
    for (const std::string k : kSelectionShares) {
      WorkerTransform fused({"none", "topk:" + k, "none"}, d);
      const TopK& topk = dynamic_cast<const TopK&>(fused.compressor());
      WorkerMemory memory;
      fused.InitMemory(memory);
      Vector work;
      Message message, expected;
      for (int round = 0; round < 2; ++round) {
        const Vector g = SelectionInput(d, round, data);
        const TransformStats stats = fused.Apply(g, memory, message, work);
        topk.Encode(g, expected, data);
        ASSERT_EQ(message.index, expected.index) << "d=" << d << " k=" << k << " round " << round;
        ASSERT_EQ(message.value, expected.value) << "d=" << d << " k=" << k << " round " << round;
        ASSERT_EQ(stats.input_sq_norm, SquaredNorm(g)) << "d=" << d << " k=" << k << " round " << round;
      }
    }
  }
}

TEST(WorkerTransformTest, SquaredNormsSumTheSameWholeOrInPieces) {
  Rng data(12);
  const Vector v = RandomVector(1003, data), w = RandomVector(1003, data);
  SquaredNormSum pieces;
  pieces.Add(v.data(), 32);
  pieces.AddGroup(v.data() + 32);
  pieces.Add(v.data() + 48, 1003 - 48);
  EXPECT_EQ(pieces.Total(), SquaredNorm(v));
  long double exact = 0, distance = 0;
  for (Index i = 0; i < v.size(); ++i) {
    exact += static_cast<long double>(v[i]) * v[i];
    const float diff = v[i] - w[i];
    distance += static_cast<long double>(diff) * diff;
  }
  EXPECT_NEAR(SquaredNorm(v), static_cast<double>(exact), 1e-12 * static_cast<double>(exact));
  EXPECT_NEAR(SquaredDistance(v, w), static_cast<double>(distance), 1e-12 * static_cast<double>(distance));
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
