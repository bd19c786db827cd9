// The server's sum: one fixed tree over worker indices, the same float whatever the messages'
// form, the thread count, or how the tree's partial sums are stored.
#include "core/opt/fixed_order_sum.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/opt/compressor.h"

namespace pmlab::core {
namespace {

// The tree written out: node(i, s) = node(i, s/2) + node(i + s/2, s/2), skipping halves past n.
Vector TreeSum(const std::vector<Vector>& v, Index lo, Index size) {
  const auto n = static_cast<Index>(v.size());
  if (size == 1) return v[lo];
  const Index half = size / 2;
  if (lo + half >= n) return TreeSum(v, lo, half);
  return TreeSum(v, lo, half) + TreeSum(v, lo + half, half);
}

Vector TreeSum(const std::vector<Vector>& v) {
  Index size = 1;
  while (size < static_cast<Index>(v.size())) size *= 2;
  return TreeSum(v, 0, size);
}

bool SameBits(const Vector& a, const Vector& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

// Values of very different sizes, so that a different order of additions gives other floats.
Vector Spread(Index d, Rng& rng) {
  Vector v(d);
  for (Index i = 0; i < d; ++i) v[i] = static_cast<float>(rng.Normal() * std::pow(10.0, rng.Uniform() * 8 - 4));
  return v;
}

struct Case {
  const char* compressor;
  int workers;
};

class FixedOrderSumTest : public ::testing::TestWithParam<Case> {};

TEST_P(FixedOrderSumTest, IsTheTreeForEveryThreadCount) {
  const Index d = 3000;
  const auto c = MakeCompressor(GetParam().compressor, d);
  const int n = GetParam().workers;
  Rng rng(5);
  std::vector<Message> messages(n);
  std::vector<Vector> values(n, Vector(d));
  for (int i = 0; i < n; ++i) {
    c->Encode(Spread(d, rng), messages[i], rng);
    c->Unpack(messages[i]);
    c->Expand(messages[i], values[i]);
  }
  const Vector expected = TreeSum(values);
  for (const int threads : {1, 2, 5}) {
    WorkerPool pool(threads);
    std::vector<Message> copy = messages;
    Vector sum;
    FixedOrderSum(copy, d, pool, sum);
    EXPECT_TRUE(SameBits(sum, expected)) << threads << " threads";
    // The buffers kept from this round do not change the next one's sum.
    for (int i = 0; i < n; ++i) {
      copy[i].form = messages[i].form;
      copy[i].index = messages[i].index;
      copy[i].value = messages[i].value;
      copy[i].dense = messages[i].dense;
    }
    FixedOrderSum(copy, d, pool, sum);
    EXPECT_TRUE(SameBits(sum, expected)) << threads << " threads, second round";
  }
  // The order matters: for dense messages of spread values a left-to-right sum differs
  // somewhere, so the test can tell one order from another.
  if (std::string(GetParam().compressor) == "none" && n >= 4) {
    Vector left = values[0];
    for (int i = 1; i < n; ++i) left += values[i];
    EXPECT_FALSE(SameBits(left, expected));
  }
}

INSTANTIATE_TEST_SUITE_P(Forms, FixedOrderSumTest,
                         ::testing::Values(Case{"none", 1}, Case{"none", 7}, Case{"none", 64}, Case{"topk:0.01", 1},
                                           Case{"topk:0.01", 13}, Case{"topk:0.2", 13}, Case{"randk:0.05", 100},
                                           Case{"sign", 9}, Case{"qsgd:4", 6}),
                         [](const auto& info) {
                           std::string name = std::string(info.param.compressor) + "_" + std::to_string(info.param.workers);
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

// A sparse partial sum turns dense once it holds half the coordinates; the floats do not change.
TEST(FixedOrderSumTest, SparseAndDenseStorageGiveTheSameFloats) {
  const Index d = 200;
  const auto c = MakeCompressor("topk:60", d);
  Rng rng(8);
  const int n = 11;
  std::vector<Message> sparse(n), dense(n);
  for (int i = 0; i < n; ++i) {
    c->Encode(Spread(d, rng), sparse[i], rng);
    dense[i].form = Message::Form::kDense;
    dense[i].dense.resize(d);
    c->Expand(sparse[i], dense[i].dense);
  }
  WorkerPool pool(2);
  Vector a, b;
  FixedOrderSum(sparse, d, pool, a);
  FixedOrderSum(dense, d, pool, b);
  EXPECT_TRUE(SameBits(a, b));
}

}  // namespace
}  // namespace pmlab::core
