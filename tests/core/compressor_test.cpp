#include "core/opt/compressor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "core/opt/top_k.h"

#include "random_vector.h"

namespace pmlab::core {
namespace {

// Reference Top-K by a full stable sort on (-|g|, index).
Vector ReferenceTopK(const Vector& g, Index k) {
  std::vector<Index> order(g.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return std::abs(g[a]) > std::abs(g[b]); });
  Vector out = Vector::Zero(g.size());
  for (Index i = 0; i < k; ++i) out[order[i]] = g[order[i]];
  return out;
}

TEST(TopKTest, KeepsExactlyTheKLargestMagnitudes) {
  Rng rng(0);
  for (Index d : {1, 2, 17, 1000, 100000}) {
    const Vector g = RandomVector(d, d);
    for (Index k : {Index{1}, (d + 1) / 2, d}) {
      const auto c = MakeCompressor("topk:" + std::to_string(k), d);
      Vector out(d);
      c->Compress(g, out, rng);
      EXPECT_EQ((out.array() != 0).count(), k) << "d=" << d << " k=" << k;
      EXPECT_EQ(out, ReferenceTopK(g, k)) << "d=" << d << " k=" << k;
      // Contraction: ||C(g) - g||^2 <= (1 - k/d) ||g||^2.
      EXPECT_LE((out - g).squaredNorm(), (1.0 - double(k) / double(d)) * g.squaredNorm() * (1 + 1e-6));
    }
  }
}

TEST(TopKTest, BreaksTiesByLowerIndex) {
  Vector g(8);
  g << 1, -3, 3, 2, -3, 3, 0, 1;
  Rng rng(0);
  Vector out(8);
  TopK(8, 3).Compress(g, out, rng);
  Vector expected(8);
  expected << 0, -3, 3, 0, -3, 0, 0, 0;
  EXPECT_EQ(out, expected);
}

TEST(TopKTest, HandlesManyEqualValuesAndZeros) {
  Vector g = Vector::Zero(1000);
  g.segment(100, 50).setConstant(0.5f);
  Rng rng(0);
  Vector out(1000);
  TopK(1000, 60).Compress(g, out, rng);  // 50 nonzeros then 10 zeros: the count stays exact
  EXPECT_EQ(out, g);
  TopK(1000, 20).Compress(g, out, rng);
  EXPECT_EQ((out.array() != 0).count(), 20);
  EXPECT_EQ(out.segment(100, 20), g.segment(100, 20));
}

TEST(TopKTest, FractionSpecRoundsToCount) {
  const auto c = MakeCompressor("topk:0.02", 669706);
  EXPECT_EQ(dynamic_cast<const TopK&>(*c).k(), 13394);
  EXPECT_DOUBLE_EQ(c->Bits(), 13394.0 * (32 + 20));
}

// Mean of many compressed draws against g, coordinate by coordinate, within `sigmas` standard
// errors estimated from the draws themselves.
void ExpectUnbiased(const std::string& spec, Index d, int draws, double sigmas) {
  const Vector g = RandomVector(d, 99);
  const auto c = MakeCompressor(spec, d);
  Rng rng(123);
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(d), sq = Eigen::VectorXd::Zero(d);
  Vector out(d);
  for (int t = 0; t < draws; ++t) {
    c->Compress(g, out, rng);
    sum += out.cast<double>();
    sq += out.cast<double>().cwiseAbs2();
  }
  const Eigen::VectorXd mean = sum / draws;
  const Eigen::VectorXd var = sq / draws - mean.cwiseAbs2();
  for (Index i = 0; i < d; ++i) {
    const double se = std::sqrt(std::max(var[i], 1e-12) / draws);
    EXPECT_NEAR(mean[i], g[i], sigmas * se + 1e-6) << spec << " coordinate " << i;
  }
}

TEST(RandKTest, ScaledIsUnbiased) { ExpectUnbiased("randk:5", 20, 40000, 5.0); }

TEST(QsgdTest, IsUnbiased) { ExpectUnbiased("qsgd:2", 20, 40000, 5.0); }

TEST(RandKTest, BiasedKeepsKUnscaledEntriesAndIsBiased) {
  const Index d = 50;
  const Vector g = RandomVector(d, 5);
  const auto c = MakeCompressor("randk-biased:10", d);
  Rng rng(1);
  Vector out(d), sum = Vector::Zero(d);
  for (int t = 0; t < 2000; ++t) {
    c->Compress(g, out, rng);
    ASSERT_EQ((out.array() != 0).count(), 10);
    for (Index i = 0; i < d; ++i) ASSERT_TRUE(out[i] == 0 || out[i] == g[i]);
    sum += out;
  }
  // E[C(g)] = (K/d) g: far from g.
  EXPECT_LT((sum / 2000 - 0.2f * g).norm(), 0.05 * g.norm());
}

TEST(RandKTest, DifferentStreamsPickDifferentCoordinates) {
  const Vector g = RandomVector(100, 3);
  const auto c = MakeCompressor("randk:10", 100);
  Rng a(1), b(2);
  Vector oa(100), ob(100);
  c->Compress(g, oa, a);
  c->Compress(g, ob, b);
  EXPECT_NE(oa, ob);
}

TEST(ScaledSignTest, IsMeanAbsoluteValueTimesSign) {
  Vector g(4), out(4);
  g << 2, -4, 0, 2;
  Rng rng(0);
  MakeCompressor("sign", 4)->Compress(g, out, rng);
  // One bit per coordinate cannot say zero: a zero is sent as +.
  Vector expected(4);
  expected << 2, -2, 2, 2;
  EXPECT_EQ(out, expected);
}

TEST(QsgdTest, QuantisesToLevelsOfTheNorm) {
  const Vector g = RandomVector(30, 8);
  Rng rng(0);
  Vector out(30);
  MakeCompressor("qsgd:4", 30)->Compress(g, out, rng);
  const float norm = g.norm();
  for (Index i = 0; i < 30; ++i) {
    const float level = std::abs(out[i]) / norm * 4;
    EXPECT_NEAR(level, std::round(level), 1e-4);
    EXPECT_TRUE(out[i] == 0 || (out[i] > 0) == (g[i] > 0));
  }
}

TEST(CompressorTest, NoneIsIdentityWithDenseBits) {
  const Vector g = RandomVector(10, 1);
  Rng rng(0);
  Vector out(10);
  const auto c = MakeCompressor("none", 10);
  c->Compress(g, out, rng);
  EXPECT_EQ(out, g);
  EXPECT_EQ(c->Bits(), 320);
}

// Each message names the spec and says what would be accepted.
TEST(CompressorTest, RejectsBadSpecsWithTheAllowedForms) {
  for (const char* spec : {"topk:0", "topk:0.0", "topk:1.5", "topk:101", "topk:abc", "topk", "topk:", "randk:-3",
                           "qsgd:0", "qsgd:x", "sign:3", "none:1", "gzip", "topk:1e-9"}) {
    try {
      MakeCompressor(spec, 100);
      ADD_FAILURE() << spec << " was accepted";
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      const std::string named = "compressor '" + std::string(spec) + "': ";
      EXPECT_TRUE(message.starts_with(named)) << message;
      EXPECT_GT(message.size(), named.size() + 20) << message;
    }
  }
}

}  // namespace
}  // namespace pmlab::core
