#include "core/opt/fixed_order_sum.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <utility>

namespace pmlab::core {
namespace {

// The pairs (i, i + s) the tree adds at the level of stride s, for n leaves.
Index PairsAt(Index n, Index s) { return (n - s + 2 * s - 1) / (2 * s); }

void SumDense(std::vector<Message>& m, Index d, WorkerPool& pool) {
  const auto n = static_cast<Index>(m.size());
  // Blocks small enough that the n slices of one block fit in cache together.
  const Index block = std::max<Index>(1024, (Index{1} << 20) / n);
  pool.ForEachBlock(d, block, [&](Index begin, Index end) {
    for (Index s = 1; s < n; s *= 2)
      for (Index i = 0; i + s < n; i += 2 * s) m[i].dense.segment(begin, end - begin) += m[i + s].dense.segment(begin, end - begin);
  });
}

// a <- a + b, each a partial sum held sparse or dense; a sparse sum of the two can hold at most
// `most` entries.
void Combine(Message& a, Message& b, Index d, std::size_t most) {
  using Form = Message::Form;
  if (a.form == Form::kSparse && b.form == Form::kDense) {
    a.AddSparseTo(b.dense);  // float addition commutes: b + a is a + b
    std::swap(a.dense, b.dense);
    a.form = Form::kDense;
    return;
  }
  if (a.form == Form::kDense) {
    if (b.form == Form::kDense) a.dense += b.dense;
    else b.AddSparseTo(a.dense);
    return;
  }
  // Both sparse. Merging costs about four times a dense addition per entry (measured: the
  // branches on which list comes next are a coin toss), so a sum of d / 4 entries or more is
  // cheaper dense. At 1,000 Top-2% messages the dense partial sums then take 170 MB.
  const auto sparse_most = static_cast<std::size_t>(d / 4);
  if (a.index.size() + b.index.size() >= sparse_most) {
    a.dense.setZero(d);
    a.AddSparseTo(a.dense);  // 0 + v is v: no value is -0 (Compressor::Encode)
    b.AddSparseTo(a.dense);
    a.form = Form::kDense;
    return;
  }
  // Buffers sized for the most they can ever hold, so that no later round allocates however
  // much this round's supports overlap; the loop writes through plain pointers, since each use
  // of a thread-local vector inside it would look up its address again.
  thread_local std::vector<std::int32_t> index_store;
  thread_local std::vector<float> value_store;
  if (index_store.size() < sparse_most) {
    index_store.resize(sparse_most);
    value_store.resize(sparse_most);
  }
  a.index.reserve(std::min(most, sparse_most));
  a.value.reserve(std::min(most, sparse_most));
  std::int32_t* const index = index_store.data();
  float* const value = value_store.data();
  const std::int32_t *ai = a.index.data(), *bi = b.index.data();
  const float *av = a.value.data(), *bv = b.value.data();
  const std::size_t na = a.index.size(), nb = b.index.size();
  // Without branches on which list comes next (the merge ran at the speed of their
  // mispredictions): each step takes the smaller index from a, b or both, and adds the values
  // taken, the other masked to +0 (u + 0 is u: no value is -0, Compressor::Encode, and no sum
  // of two is).
  std::size_t i = 0, j = 0, out = 0;
  while (i < na && j < nb) {
    const std::int32_t x = ai[i], y = bi[j];
    const std::uint32_t from_a = x <= y, from_b = y <= x;
    const float u = std::bit_cast<float>(std::bit_cast<std::uint32_t>(av[i]) & (0u - from_a));
    const float v = std::bit_cast<float>(std::bit_cast<std::uint32_t>(bv[j]) & (0u - from_b));
    index[out] = from_a ? x : y;
    value[out++] = u + v;
    i += from_a;
    j += from_b;
  }
  for (; i < na; ++i, ++out) {
    index[out] = ai[i];
    value[out] = av[i];
  }
  for (; j < nb; ++j, ++out) {
    index[out] = bi[j];
    value[out] = bv[j];
  }
  // Copied back rather than swapped: each buffer keeps the capacity it grew to, so no round
  // after the first allocates.
  a.index.assign(index, index + out);
  a.value.assign(value, value + out);
}

}  // namespace

void FixedOrderSum(std::vector<Message>& m, Index d, WorkerPool& pool, Vector& sum) {
  const auto n = static_cast<Index>(m.size());
  if (m[0].form != Message::Form::kSparse) {
    SumDense(m, d, pool);
    sum = m[0].dense;
    return;
  }
  std::size_t leaf_most = 0;
  for (const Message& leaf : m) leaf_most = std::max(leaf_most, leaf.index.size());
  for (Index s = 1; s < n; s *= 2) {
    const std::size_t most = 2 * static_cast<std::size_t>(s) * leaf_most;
    pool.ForEach(PairsAt(n, s), [&](Index p) { Combine(m[2 * s * p], m[2 * s * p + s], d, most); });
  }
  sum.resize(d);
  if (m[0].form == Message::Form::kDense) {
    sum = m[0].dense;
  } else {
    sum.setZero();
    m[0].AddSparseTo(sum);
  }
}

}  // namespace pmlab::core
