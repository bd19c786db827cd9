#include "core/opt/rng.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "core/opt/sampling.h"

namespace pmlab::core {
namespace {

TEST(RngTest, SameSeedSameStreamDifferentIdsDiffer) {
  Rng a(42, StreamKind::kWorker, 3), b(42, StreamKind::kWorker, 3), c(42, StreamKind::kWorker, 4), d(42, StreamKind::kData, 3);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.NextU64();
    EXPECT_EQ(x, b.NextU64());
    EXPECT_NE(x, c.NextU64());
    EXPECT_NE(x, d.NextU64());
  }
}

TEST(RngTest, StateRoundTripsExactly) {
  Rng a(9);
  a.NextU64();
  Rng b;
  b.set_state(a.state());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.Normal(), b.Normal());
}

TEST(RngTest, BelowIsUniform) {
  Rng rng(5);
  std::vector<int> counts(7);
  const int draws = 70000;
  for (int i = 0; i < draws; ++i) ++counts[rng.Below(7)];
  // Each count is Binomial(70000, 1/7): sd ~ 92; allow 5 sd.
  for (int c : counts) EXPECT_NEAR(c, draws / 7, 460);
}

TEST(RngTest, NormalHasUnitMomentsAndUniformIsInRange) {
  Rng rng(11);
  const int n = 200000;
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.Normal();
    sum += z;
    sq += z * z;
    const double u = rng.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  EXPECT_NEAR(sum / n, 0.0, 0.015);      // sd of the mean ~ 0.0022
  EXPECT_NEAR(sq / n, 1.0, 0.02);        // sd ~ 0.0032
}

TEST(SamplingTest, SelectionSamplePicksExactlyKInOrderAndUniformly) {
  Rng rng(2);
  std::vector<int> hits(10);
  for (int trial = 0; trial < 20000; ++trial) {
    int picked = 0;
    SelectionSample(10, 3, rng, [&](Index i, bool p) {
      picked += p;
      hits[i] += p;
    });
    ASSERT_EQ(picked, 3);
  }
  // Each index is picked with probability 3/10: expected 6000, sd ~ 65.
  for (int h : hits) EXPECT_NEAR(h, 6000, 330);
}

TEST(RngTest, ShuffleIsAPermutation) {
  Rng rng(4);
  std::vector<int> v(100);
  std::iota(v.begin(), v.end(), 0);
  rng.Shuffle(v.begin(), v.end());
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_NE(v, sorted);
}

}  // namespace
}  // namespace pmlab::core
