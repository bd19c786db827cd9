#include "core/nn/packed_lhs.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#ifdef EIGEN_VECTORIZE_AVX512
#include <immintrin.h>
#endif

#include "core/nn/product_blocking.h"

namespace pmlab::core {
namespace {

// The types general_matrix_matrix_product (GeneralMatrixMatrix.h) multiplies with, for a
// column-major right operand and result.
template <typename T>
struct Kernel {
  using Traits = Eigen::internal::gebp_traits<T, T>;
  template <int Order>
  using LhsMapper = Eigen::internal::const_blas_data_mapper<T, Index, Order>;
  template <int Order>
  using PackLhs = Eigen::internal::gemm_pack_lhs<T, Index, LhsMapper<Order>, Traits::mr, Traits::LhsProgress,
                                                 typename Traits::LhsPacket4Packing, Order>;
  using RhsMapper = Eigen::internal::const_blas_data_mapper<T, Index, Eigen::ColMajor>;
  using PackRhs = Eigen::internal::gemm_pack_rhs<T, Index, RhsMapper, Traits::nr, Eigen::ColMajor>;
  using ResMapper = Eigen::internal::blas_data_mapper<T, Index, Eigen::ColMajor, Eigen::Unaligned, 1>;
  using Gebp = Eigen::internal::gebp_kernel<T, T, Index, ResMapper, Traits::mr, Traits::nr, false, false>;
};

#if defined(EIGEN_VECTORIZE_AVX512) && defined(EIGEN_VECTORIZE_AVX512DQ) && defined(EIGEN_VECTORIZE_FMA) && defined(__AVX512VL__)
#define PMLAB_DIRECT_KERNEL 1
constexpr bool kDirect = true;
#else
constexpr bool kDirect = false;
#endif

// Eigen's kernel walks a block of rows in panels of 48, 32, 16, 8 and 4 rows, then single rows.
// Panels of 48 and 32 add each entry's products in one chain from +0; those of 16, 8 and 4
// alternate two chains between even and odd depths over the depth rounded down to eight, add
// them, and go on in the first (in columns of four; a product's last columns, short of four, are
// one chain). A single row in columns of four keeps sixteen chains, one per depth modulo 16, over
// the depth rounded down to 16, adds them in fours (RowSum), and its last columns are one chain
// (the AVX-512 build's order: the sums in fours are its DQ extension's halving of a vector).
//
// Whether Eigen's kernel, blocking a rows x depth by depth x columns product as it does, forms
// each entry's sum over each block of the depth as above and adds those sums in turn to the
// zeroed result (0 + s = s: neither chain from +0 ends at -0), with every column block but the
// last a whole number of columns of four.
bool KernelProduct(Index rows, Index columns, Index depth) {
  if (!UsesEigenKernel(rows, columns, depth)) return false;
  const ScratchBlocking<float> blocking(rows, columns, depth);
  return blocking.nc() >= columns || blocking.nc() % 4 == 0;
}

// The kind of panel (48, 32, 16, 8 or 4 rows, or 1: a single row) that row r of a `rows`-row
// operand falls in when Eigen's kernel blocks its rows by mc.
Index PanelOf(Index rows, Index mc, Index r) {
  const Index start = r / mc * mc, size = std::min(mc, rows - start), whole = size / 48 * 48;
  Index i = r - start, left = size - whole;
  if (i < whole) return 48;
  i -= whole;
  for (const Index panel : {32, 16, 8, 4}) {
    if (left < panel) continue;
    if (i < panel) return panel;
    i -= panel;
    left -= panel;
  }
  return 1;
}

#ifdef PMLAB_DIRECT_KERNEL
static_assert(Kernel<float>::Traits::mr == 48 && Kernel<float>::Traits::LhsProgress == 16);

// The operations a tile needs, at the width of each of Eigen's panels (its packets of 16, 8
// and 4 floats).
template <int kLanes>
struct Lanes;
template <>
struct Lanes<16> {
  using V = __m512;
  static V Zero() { return _mm512_setzero_ps(); }
  static V Load(const float* p) { return _mm512_loadu_ps(p); }
  static V Broadcast(float x) { return _mm512_set1_ps(x); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V Add(V a, V b) { return _mm512_add_ps(a, b); }
  static V Max(V a, V b) { return _mm512_max_ps(a, b); }
  static V WherePositive(V mask, V x) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(mask, Zero(), _CMP_GT_OQ), x); }
  static void Store(float* p, V x) { _mm512_storeu_ps(p, x); }
};
template <>
struct Lanes<8> {
  using V = __m256;
  static V Zero() { return _mm256_setzero_ps(); }
  static V Load(const float* p) { return _mm256_loadu_ps(p); }
  static V Broadcast(float x) { return _mm256_set1_ps(x); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V Add(V a, V b) { return _mm256_add_ps(a, b); }
  static V Max(V a, V b) { return _mm256_max_ps(a, b); }
  static V WherePositive(V mask, V x) { return _mm256_maskz_mov_ps(_mm256_cmp_ps_mask(mask, Zero(), _CMP_GT_OQ), x); }
  static void Store(float* p, V x) { _mm256_storeu_ps(p, x); }
};
template <>
struct Lanes<4> {
  using V = __m128;
  static V Zero() { return _mm_setzero_ps(); }
  static V Load(const float* p) { return _mm_loadu_ps(p); }
  static V Broadcast(float x) { return _mm_set1_ps(x); }
  static V Fma(V a, V b, V c) { return _mm_fmadd_ps(a, b, c); }
  static V Add(V a, V b) { return _mm_add_ps(a, b); }
  static V Max(V a, V b) { return _mm_max_ps(a, b); }
  static V WherePositive(V mask, V x) { return _mm_maskz_mov_ps(_mm_cmp_ps_mask(mask, Zero(), _CMP_GT_OQ), x); }
  static void Store(float* p, V x) { _mm_storeu_ps(p, x); }
};

// Where a product's entries go and what happens to each on the way (PackedLhs::Finish), with
// the result's column-major layout.
struct Result {
  float* data;
  Index stride;
  const PackedLhs<float>::Finish& finish;
};

// A tile of kVectors vectors of kLanes rows by kColumns columns of the result, in registers.
template <int kLanes, int kVectors, int kColumns>
using Accumulators = typename Lanes<kLanes>::V[kVectors][kColumns];

// One depth step of a tile: its vectors of the panel (whose depth steps lie `step` floats apart)
// times kColumns broadcast entries of the right operand, added to the accumulators.
template <int kLanes, int kVectors, int kColumns, bool kTransposed>
inline void TileStep(const float* a, Index step, Index k, const float* b, Index stride, Accumulators<kLanes, kVectors, kColumns>& acc) {
  using L = Lanes<kLanes>;
  typename L::V lhs[kVectors];
  for (int v = 0; v < kVectors; ++v) lhs[v] = L::Load(a + k * step + v * kLanes);
  for (int j = 0; j < kColumns; ++j) {
    const typename L::V rhs = L::Broadcast(kTransposed ? b[k * stride + j] : b[j * stride + k]);
    for (int v = 0; v < kVectors; ++v) acc[v][j] = L::Fma(lhs[v], rhs, acc[v][j]);
  }
}

// The right operand's lines are asked for 64 depth steps ahead: each of its columns (each depth
// step, transposed) is a stream of its own, more than the hardware prefetcher follows. Once
// every 16 steps, a line's worth, for a column; every step, transposed.
template <int kColumns, bool kTransposed>
inline void Prefetch(const float* b, Index k, Index stride) {
  constexpr Index kAhead = 64;
  if constexpr (kTransposed) {
    _mm_prefetch(reinterpret_cast<const char*>(b + (k + kAhead) * stride), _MM_HINT_T0);
  } else if (k % 16 == 0) {
    for (int j = 0; j < kColumns; ++j) _mm_prefetch(reinterpret_cast<const char*>(b + j * stride + k + kAhead), _MM_HINT_T0);
  }
}

// Stores a tile's accumulators at (row, column) of the result: added to what is there (as
// Eigen's kernel adds its sum to the result), the bias added, max(0, .), the mask applied, in Mlp's order and with the operations of Eigen's
// packets for its passes (its max(z, 0) is max_ps(0, z), which keeps a NaN).
template <int kLanes, int kVectors, int kColumns>
__attribute__((always_inline)) inline void StoreTile(const Accumulators<kLanes, kVectors, kColumns>& acc, const Result& out, Index row, Index column) {
  using L = Lanes<kLanes>;
  const PackedLhs<float>::Finish& f = out.finish;
  for (int j = 0; j < kColumns; ++j)
    for (int v = 0; v < kVectors; ++v) {
      const Index r = row + v * kLanes, c = column + j;
      float* const at = out.data + c * out.stride + r;
      typename L::V x = acc[v][j];
      if (f.add) x = L::Add(L::Load(at), x);
      if (f.bias) x = L::Add(x, L::Load(f.bias + r));
      if (f.relu) x = L::Max(L::Zero(), x);
      if (f.mask) x = L::WherePositive(L::Load(f.mask + c * f.mask_stride + r), x);
      L::Store(at, x);
    }
}

// One tile of the result over the whole depth: `a` is the rows' panel, packed (kVectors kLanes
// floats per depth step) or, kBorrowed, the left operand where it lies (column stride lda);
// column j of the right operand is b + j * stride (b^T's row: b + j, stepping by stride, when
// kTransposed). kAlternate: Eigen's two chains (above).
// Sixteen steps unrolled: measured 5-10% faster than a loop of one.
template <int kLanes, int kVectors, int kColumns, bool kTransposed, bool kAlternate, bool kBorrowed>
inline void Tile(const float* a, Index lda, Index depth, const float* b, Index stride, const Result& out, Index row, Index column) {
  using L = Lanes<kLanes>;
  // A constant for a packed panel, so that its loads take fixed offsets (a stride known only at
  // run time cost the 48-row tile a reload of its addresses at every step).
  const Index step = kBorrowed ? lda : kVectors * kLanes;
  Accumulators<kLanes, kVectors, kColumns> acc;
  for (int v = 0; v < kVectors; ++v)
    for (int j = 0; j < kColumns; ++j) acc[v][j] = L::Zero();
  Index k = 0;
  if constexpr (kAlternate) {
    Accumulators<kLanes, kVectors, kColumns> odd;
    for (int v = 0; v < kVectors; ++v)
      for (int j = 0; j < kColumns; ++j) odd[v][j] = L::Zero();
    for (const Index peeled = depth & ~Index{7}; k < peeled; k += 2) {
      Prefetch<kColumns, kTransposed>(b, k, stride);
      TileStep<kLanes, kVectors, kColumns, kTransposed>(a, step, k, b, stride, acc);
      Prefetch<kColumns, kTransposed>(b, k + 1, stride);
      TileStep<kLanes, kVectors, kColumns, kTransposed>(a, step, k + 1, b, stride, odd);
    }
    for (int v = 0; v < kVectors; ++v)
      for (int j = 0; j < kColumns; ++j) acc[v][j] = L::Add(acc[v][j], odd[v][j]);
  }
  for (; k + 16 <= depth; k += 16) {
#pragma GCC unroll 16
    for (int u = 0; u < 16; ++u) {
      Prefetch<kColumns, kTransposed>(b, k + u, stride);
      TileStep<kLanes, kVectors, kColumns, kTransposed>(a, step, k + u, b, stride, acc);
    }
  }
  for (; k < depth; ++k) {
    Prefetch<kColumns, kTransposed>(b, k, stride);
    TileStep<kLanes, kVectors, kColumns, kTransposed>(a, step, k, b, stride, acc);
  }
  StoreTile<kLanes, kVectors, kColumns>(acc, out, row, column);
}

// One entry of a product stored as StoreTile stores a vector's: added to what is there, the bias
// added, max(0, .) as max_ps(0, x) takes it (a NaN kept), the mask applied.
inline void StoreEntry(float x, const Result& out, Index row, Index column) {
  const PackedLhs<float>::Finish& f = out.finish;
  float* const at = out.data + column * out.stride + row;
  if (f.add) x = *at + x;
  if (f.bias) x = x + f.bias[row];
  if (f.relu) x = 0.0f > x ? 0.0f : x;
  if (f.mask) x = f.mask[column * f.mask_stride + row] > 0.0f ? x : 0.0f;
  *at = x;
}

// A single row's sums in Eigen's order (above): the sixteen chains by depth modulo 16 over the
// depth rounded down to 16 (`acc`, one lane or vector each), added in fours as
// (c_s + c_(4+s)) + (c_(8+s) + c_(12+s)), each of the four sums going on over the depth rounded
// down to four, added as (t_0 + t_2) + (t_1 + t_3), and that going on to the end of the depth.
// `step(k)` is entry k of the right operand (or its vector over columns).
template <typename V, typename Add, typename Fma, typename Step>
inline V RowSum(V (&acc)[16], Index depth, const float* a, Add add, Fma fma, Step step) {
  const Index rounded16 = depth / 16 * 16, rounded4 = depth / 4 * 4;
  V t[4];
  for (int s = 0; s < 4; ++s) t[s] = add(add(acc[s], acc[4 + s]), add(acc[8 + s], acc[12 + s]));
  Index k = rounded16;
  for (; k < rounded4; k += 4)
    for (int s = 0; s < 4; ++s) t[s] = fma(step(k + s), a[k + s], t[s]);
  V r = add(add(t[0], t[2]), add(t[1], t[3]));
  for (; k < depth; ++k) r = fma(step(k), a[k], r);
  return r;
}

// A single row's sums for kLanes columns of a transposed right operand (b^T's rows at b, stride
// apart): each of the sixteen chains is a vector over the columns.
template <int kLanes>
void RowChains(const float* a, Index depth, const float* b, Index stride, const Result& out, Index row, Index column) {
  using L = Lanes<kLanes>;
  using V = typename L::V;
  V acc[16];
  for (V& c : acc) c = L::Zero();
  for (Index k = 0; k < depth / 16 * 16; k += 16)
#pragma GCC unroll 16
    for (int r = 0; r < 16; ++r) acc[r] = L::Fma(L::Load(b + (k + r) * stride), L::Broadcast(a[k + r]), acc[r]);
  const V sum = RowSum(
      acc, depth, a, [](V x, V y) { return L::Add(x, y); }, [](V x, float y, V z) { return L::Fma(x, L::Broadcast(y), z); },
      [&](Index k) { return L::Load(b + k * stride); });
  alignas(64) float lanes[kLanes];
  L::Store(lanes, sum);
  for (int j = 0; j < kLanes; ++j) StoreEntry(lanes[j], out, row, column + j);
}

// A single row's sums for four columns of the right operand that lie contiguous (column j at
// b + j * stride): each column's sixteen chains are the lanes of one vector, and the rest of
// RowSum runs on the four columns at once, one 128-bit lane of a vector each.
inline void ColumnSums(const float* a, Index depth, const float* b, Index stride, float (&sums)[4]) {
  const Index rounded16 = depth / 16 * 16, rounded4 = depth / 4 * 4;
  __m512 chains[4];
  for (__m512& c : chains) c = _mm512_setzero_ps();
  for (Index k = 0; k < rounded16; k += 16) {
    const __m512 ak = _mm512_loadu_ps(a + k);
    for (int j = 0; j < 4; ++j) chains[j] = _mm512_fmadd_ps(_mm512_loadu_ps(b + j * stride + k), ak, chains[j]);
  }
  // Column j's (c_s + c_(4+s)) + (c_(8+s) + c_(12+s)) into lane j of t.
  __m512 t = _mm512_setzero_ps();
  for (int j = 0; j < 4; ++j) {
    // (The masked forms with a source of their own: GCC 12's unmasked ones read an undefined
    // vector, which it warns of.)
    const __m512 swapped = _mm512_mask_shuffle_f32x4(chains[j], 0xFFFF, chains[j], chains[j], _MM_SHUFFLE(2, 3, 0, 1));
    const __m512 pairs = _mm512_add_ps(chains[j], swapped);
    const __m128 fours = _mm_add_ps(_mm512_mask_extractf32x4_ps(_mm_setzero_ps(), 0xF, pairs, 0),
                                    _mm512_mask_extractf32x4_ps(_mm_setzero_ps(), 0xF, pairs, 2));
    t = _mm512_insertf32x4(t, fours, j);
  }
  for (Index k = rounded16; k < rounded4; k += 4) {
    __m512 bk = _mm512_castps128_ps512(_mm_loadu_ps(b + k));
    bk = _mm512_insertf32x4(bk, _mm_loadu_ps(b + stride + k), 1);
    bk = _mm512_insertf32x4(bk, _mm_loadu_ps(b + 2 * stride + k), 2);
    bk = _mm512_insertf32x4(bk, _mm_loadu_ps(b + 3 * stride + k), 3);
    t = _mm512_fmadd_ps(bk, _mm512_broadcast_f32x4(_mm_loadu_ps(a + k)), t);
  }
  // (t_0 + t_2) + (t_1 + t_3) in each lane's first entry.
  const __m512 halves = _mm512_add_ps(t, _mm512_mask_permute_ps(t, 0xFFFF, t, _MM_SHUFFLE(1, 0, 3, 2)));
  const __m512 whole = _mm512_add_ps(halves, _mm512_mask_permute_ps(halves, 0xFFFF, halves, _MM_SHUFFLE(2, 3, 0, 1)));
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, whole);
  for (int j = 0; j < 4; ++j) {
    float r = lanes[4 * j];
    for (Index k = rounded4; k < depth; ++k) r = std::fma(b[j * stride + k], a[k], r);
    sums[j] = r;
  }
}

// The single rows of a row block (`count` of them, each row's packed depth in turn at `a`, from
// `row` of the result) by the right operand's columns from `first` where they lie: in columns of
// four in Eigen's order (RowSum), transposed 16, 8 or 4 columns at a time; the last columns short
// of four in one chain each, as Eigen's scalar loop forms them (its pmadd is fmaf). Each group of
// columns serves every row while it is in the cache.
template <bool kTransposed>
void SingleRows(const float* a, Index count, Index depth, const float* b, Index stride, Index first, Index columns, const Result& out,
                Index row) {
  const Index grouped = columns / 4 * 4;
  Index j = first;  // a multiple of four
  if constexpr (kTransposed) {
    for (; j + 16 <= grouped; j += 16)
      for (Index i = 0; i < count; ++i) RowChains<16>(a + i * depth, depth, b + j, stride, out, row + i, j);
    for (; j + 8 <= grouped; j += 8)
      for (Index i = 0; i < count; ++i) RowChains<8>(a + i * depth, depth, b + j, stride, out, row + i, j);
    for (; j < grouped; j += 4)
      for (Index i = 0; i < count; ++i) RowChains<4>(a + i * depth, depth, b + j, stride, out, row + i, j);
  } else {
    for (; j < grouped; j += 4)
      for (Index i = 0; i < count; ++i) {
        float sums[4];
        ColumnSums(a + i * depth, depth, b + j * stride, stride, sums);
        for (int c = 0; c < 4; ++c) StoreEntry(sums[c], out, row + i, j + c);
      }
  }
  for (; j < columns; ++j)
    for (Index i = 0; i < count; ++i) {
      float r = 0;
      for (Index k = 0; k < depth; ++k) r = std::fma(a[i * depth + k], kTransposed ? b[k * stride + j] : b[j * stride + k], r);
      StoreEntry(r, out, row + i, j);
    }
}

// kColumns columns of one row block (from `row` of the result, `rows` tall, a multiple of four),
// panel by panel as Eigen packs them: 48 rows, then 32, 16, 8 and 4. Columns in fours alternate
// chains in the narrow panels; a product's last columns, short of four, do not.
template <int kColumns, bool kTransposed, bool kBorrowed>
void PanelColumns(const float* panels, Index lda, Index rows, Index depth, const float* b, Index stride, const Result& out, Index row,
                  Index column) {
  constexpr bool kAlternate = kColumns % 4 == 0;
  // Rows from i: their packed panel, or the operand's own rows.
  const auto at = [&](Index i) { return kBorrowed ? panels + i : panels + i * depth; };
  Index i = 0;
  for (; i + 48 <= rows; i += 48) Tile<16, 3, kColumns, kTransposed, false, kBorrowed>(at(i), lda, depth, b, stride, out, row + i, column);
  if (i + 32 <= rows) {
    Tile<16, 2, kColumns, kTransposed, false, kBorrowed>(at(i), lda, depth, b, stride, out, row + i, column);
    i += 32;
  }
  if (i + 16 <= rows) {
    Tile<16, 1, kColumns, kTransposed, kAlternate, kBorrowed>(at(i), lda, depth, b, stride, out, row + i, column);
    i += 16;
  }
  if (i + 8 <= rows) {
    Tile<8, 1, kColumns, kTransposed, kAlternate, kBorrowed>(at(i), lda, depth, b, stride, out, row + i, column);
    i += 8;
  }
  if (i + 4 <= rows) Tile<4, 1, kColumns, kTransposed, kAlternate, kBorrowed>(at(i), lda, depth, b, stride, out, row + i, column);
}

// The left operand's panels are read once per group of columns; a row block deeper and taller
// than the L2 cache (the paper network's 512 x 784 weights, packed: 1.6 MB) would come from the
// L3 cache for every group. So the rows go in groups of 48-row panels that fit in part of it,
// each group over all the columns (the right operand, a few columns in the L1 cache at a time,
// is read once per group instead). Which tile forms an entry, and so its sum, does not change.
constexpr Index kPanelGroupBytes = 384 * 1024;

// The end of the group of rows from `first`, a 48-row panel's start (the last group takes every
// row left).
inline Index GroupEnd(Index first, Index rows, Index depth) {
  const Index group = std::max<Index>(1, kPanelGroupBytes / (48 * depth * Index{sizeof(float)})) * 48;
  return first + group < rows / 48 * 48 ? first + group : rows;
}

// A row block's product: its panels eight columns at a time (in the 48-row panels, 24
// accumulators, three vectors of the panel and a broadcast fill 28 of the 32 vector registers),
// then four, then the last columns together, a group of rows at a time; then its single rows.
template <bool kTransposed, bool kBorrowed>
void PanelProduct(const float* panels, Index lda, Index rows, Index depth, const float* b, Index stride, Index columns, const Result& out,
                  Index row) {
  const Index panel_rows = rows / 4 * 4;
  // Rows from i: their packed panel, or the operand's own rows.
  const auto at = [&](Index i) { return kBorrowed ? panels + i : panels + i * depth; };
  // Columns [from, to) of rows [first, last), the right operand's column `from` at `rhs`.
  const auto group_columns = [&](const float* rhs, Index rhs_stride, Index from, Index to, Index first, Index last) {
    const auto column = [&](Index j) { return kTransposed ? rhs + (j - from) : rhs + (j - from) * rhs_stride; };
    const float* const a = at(first);
    const Index count = last - first, r = row + first;
    Index j = from;
    for (; j + 8 <= to; j += 8) PanelColumns<8, kTransposed, kBorrowed>(a, lda, count, depth, column(j), rhs_stride, out, r, j);
    for (; j + 4 <= to; j += 4) PanelColumns<4, kTransposed, kBorrowed>(a, lda, count, depth, column(j), rhs_stride, out, r, j);
    if (to - j == 3) PanelColumns<3, kTransposed, kBorrowed>(a, lda, count, depth, column(j), rhs_stride, out, r, j);
    if (to - j == 2) PanelColumns<2, kTransposed, kBorrowed>(a, lda, count, depth, column(j), rhs_stride, out, r, j);
    if (to - j == 1) PanelColumns<1, kTransposed, kBorrowed>(a, lda, count, depth, column(j), rhs_stride, out, r, j);
  };
  Index copied = 0;  // columns whose single rows are done
  if constexpr (kTransposed) {
    // A deep transposed operand whose rows lie a multiple of 1 KB apart is read 16 columns (one
    // cache line of each depth step) at a time into a buffer of its own first: in place, those
    // lines crowd into a few of the L1 cache's sets and are evicted before the next tile reads
    // them (the 512-wide layers' 2 KB rows, 600 deep: 12% slower; a single row, which reads each
    // line once per 16 columns, 2.5 times slower, its lines crowding the L2 cache's sets too).
    // Other operands gain less than the copy costs. All of it is copied, once for every group.
    if (depth >= 256 && stride % 256 == 0) copied = columns / 16 * 16;
    thread_local std::vector<float> lines;  // grows once per thread
    if (lines.size() < static_cast<std::size_t>(depth * copied)) lines.resize(static_cast<std::size_t>(depth * copied));
    for (Index j = 0; j < copied; j += 16)
      for (Index k = 0; k < depth; ++k) _mm512_storeu_ps(lines.data() + j * depth + k * 16, _mm512_loadu_ps(b + k * stride + j));
    for (Index first = 0; first < panel_rows; first = GroupEnd(first, panel_rows, depth))
      for (Index j = 0; j < copied; j += 16) group_columns(lines.data() + j * depth, 16, j, j + 16, first, GroupEnd(first, panel_rows, depth));
    for (Index j = 0; j < copied; j += 16)
      for (Index i = panel_rows; i < rows; ++i) RowChains<16>(panels + i * depth, depth, lines.data() + j * depth, 16, out, row + i, j);
  }
  const float* const rest = kTransposed ? b + copied : b + copied * stride;
  for (Index first = 0; first < panel_rows; first = GroupEnd(first, panel_rows, depth))
    group_columns(rest, stride, copied, columns, first, GroupEnd(first, panel_rows, depth));
  // Single rows are always packed (PackedLhs::Borrow).
  SingleRows<kTransposed>(panels + panel_rows * depth, rows - panel_rows, depth, b, stride, copied, columns, out, row + panel_rows);
}
#endif

}  // namespace

template <typename T>
bool PackedLhs<T>::Direct(Index rows, Index columns, Index depth) {
  return std::is_same_v<T, float> && kDirect && KernelProduct(rows, columns, depth);
}

template <typename T>
bool PackedLhs<T>::PackedForDirect(Index columns) const {
  // The panels must be blocked as Eigen blocks this product: which rows fall into which kind of
  // panel, and where the depth is cut, decide the order of the additions.
  if (rows_ == 0 || !Direct(rows_, columns, depth_)) return false;
  const ScratchBlocking<T> blocking(rows_, columns, depth_);
  return blocking.kc() == kc_ && std::min(rows_, blocking.mc()) == mc_;
}

template <typename T>
bool PackedLhs<T>::SameSums(Index rows, Index depth, Index columns, Index other) {
  if (!Direct(rows, columns, depth) || !Direct(rows, other, depth)) return false;
  const ScratchBlocking<T> a(rows, columns, depth), b(rows, other, depth);
  if (a.kc() != b.kc()) return false;
  for (Index r = 0; r < rows; ++r)
    if (PanelOf(rows, a.mc(), r) != PanelOf(rows, b.mc(), r)) return false;
  return true;
}

template <typename T>
void PackedLhs<T>::DirectProduct(const T* b, Index stride, bool transposed, Index columns, Eigen::Ref<Mat> dst,
                                 const Finish& finish) const {
#ifdef PMLAB_DIRECT_KERNEL
  if constexpr (std::is_same_v<T, float>) {
    // Eigen's order: each block of the depth adds its sums to the result in turn; what `finish`
    // does besides adding happens once, after the last.
    const Finish first{.add = finish.add}, between{.add = true};
    Finish after = finish;  // the last block's, when it is not the first
    after.add = true;
    // The panels' kind and the operand's side, chosen once.
    const auto product = transposed ? (lda_ ? &PanelProduct<true, true> : &PanelProduct<true, false>)
                                     : (lda_ ? &PanelProduct<false, true> : &PanelProduct<false, false>);
    std::size_t panel = 0;
    for (Index i = 0; i < rows_; i += mc_) {
      const Index mc = std::min(mc_, rows_ - i);
      for (Index k = 0; k < depth_; k += kc_, ++panel) {
        const Index kc = std::min(kc_, depth_ - k);
        const bool last = k + kc == depth_;
        const Result out{dst.data(), dst.outerStride(), k == 0 ? (last ? finish : first) : (last ? after : between)};
        const float* const panels = lda_ ? borrowed_ + i + k * lda_ : panels_.data() + offsets_[panel];
        product(panels, lda_, mc, kc, transposed ? b + k * stride : b + k, stride, columns, out, i);
      }
    }
  }
#else
  (void)b, (void)stride, (void)transposed, (void)columns, (void)dst, (void)finish;
#endif
}

template <typename T>
void PackedLhs<T>::ApplyFinish(Eigen::Ref<Mat> dst, const Finish& f) {
  if (f.bias) dst.colwise() += Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(f.bias, dst.rows());
  if (f.relu) dst = dst.cwiseMax(T(0));
  if (f.mask) {
    const Eigen::Map<const Mat, 0, Eigen::OuterStride<>> mask(f.mask, dst.rows(), dst.cols(), Eigen::OuterStride<>(f.mask_stride));
    dst.array() = (mask.array() > T(0)).select(dst.array(), T(0));
  }
}

template <typename T>
void PackedLhs<T>::Pack(const T* data, Index rows, Index depth, Index stride, bool transposed, Index columns) {
  const ScratchBlocking<T> blocking(rows, columns, depth);
  rows_ = rows;
  depth_ = depth;
  kc_ = blocking.kc();
  mc_ = std::min(rows, blocking.mc());
  borrowed_ = nullptr;
  lda_ = 0;
  offsets_.clear();
  Index size = 0;
  for (Index i = 0; i < rows; i += mc_)
    for (Index k = 0; k < depth; k += kc_) {
      offsets_.push_back(size);
      size += (std::min(mc_, rows - i) * std::min(kc_, depth - k) + 15) / 16 * 16;
    }
  if (panels_.size() < size) panels_.resize(size);
  // The panels in the order general_matrix_matrix_product packs them.
  std::size_t panel = 0;
  for (Index i = 0; i < rows; i += mc_)
    for (Index k = 0; k < depth; k += kc_, ++panel) {
      T* out = panels_.data() + offsets_[panel];
      const Index mc = std::min(mc_, rows - i), kc = std::min(kc_, depth - k);
      if (transposed) {
        typename Kernel<T>::template PackLhs<Eigen::RowMajor>()(out, typename Kernel<T>::template LhsMapper<Eigen::RowMajor>(data, stride).getSubMapper(i, k), kc, mc);
      } else {
        typename Kernel<T>::template PackLhs<Eigen::ColMajor>()(out, typename Kernel<T>::template LhsMapper<Eigen::ColMajor>(data, stride).getSubMapper(i, k), kc, mc);
      }
    }
}

template <typename T>
void PackedLhs<T>::Borrow(const T* data, Index rows, Index depth, Index stride, Index columns) {
  const ScratchBlocking<T> blocking(rows, columns, depth);
  const Index mc = std::min(rows, blocking.mc());
  // The direct kernel's panels of four rows and more read a column-major operand where it lies
  // as they would read its packed copy (each depth step's rows contiguous); single rows it reads
  // packed.
  if (!Direct(rows, columns, depth) || rows % 4 != 0 || mc % 4 != 0) return Pack(data, rows, depth, stride, false, columns);
  rows_ = rows;
  depth_ = depth;
  kc_ = blocking.kc();
  mc_ = mc;
  borrowed_ = data;
  lda_ = stride;
}

template <typename T>
bool PackedLhs<T>::Multiply(const Eigen::Ref<const Mat>& b, Eigen::Ref<Mat> dst, const Finish& finish) const {
  const Index cols = b.cols();
  if (b.rows() != depth_ || rows_ == 0 || !UsesEigenKernel(rows_, cols, depth_)) return false;
  if (PackedForDirect(cols)) {
    DirectProduct(b.data(), b.outerStride(), false, cols, dst, finish);
    return true;
  }
  const ScratchBlocking<T> blocking(rows_, cols, depth_);
  const Index kc = blocking.kc(), mc = std::min(rows_, blocking.mc()), nc = std::min(cols, blocking.nc());
  if (kc != kc_ || mc != mc_ || borrowed_) return false;
  thread_local Eigen::Matrix<T, Eigen::Dynamic, 1> scratch;  // the rhs block; grows once per thread
  if (scratch.size() < blocking.SizeB()) scratch.resize(blocking.SizeB());
  T* const block_b = scratch.data();
  const typename Kernel<T>::RhsMapper rhs(b.data(), b.outerStride());
  const typename Kernel<T>::ResMapper res(dst.data(), dst.outerStride(), 1);
  typename Kernel<T>::PackRhs pack_rhs;
  typename Kernel<T>::Gebp gebp;
  if (!finish.add) dst.setZero();
  // general_matrix_matrix_product::run's sequential loop, with the lhs panels already packed.
  const bool pack_rhs_once = mc != rows_ && kc == depth_ && nc == cols;
  std::size_t panel = 0;
  for (Index i = 0; i < rows_; i += mc) {
    const Index actual_mc = std::min(i + mc, rows_) - i;
    for (Index k = 0; k < depth_; k += kc, ++panel) {
      const Index actual_kc = std::min(k + kc, depth_) - k;
      const T* block_a = panels_.data() + offsets_[panel];
      for (Index j = 0; j < cols; j += nc) {
        const Index actual_nc = std::min(j + nc, cols) - j;
        if (!pack_rhs_once || i == 0) pack_rhs(block_b, rhs.getSubMapper(k, j), actual_kc, actual_nc);
        gebp(res.getSubMapper(i, j), block_a, block_b, actual_mc, actual_kc, actual_nc, T(1));
      }
    }
  }
  ApplyFinish(dst, finish);
  return true;
}

template <typename T>
bool PackedLhs<T>::MultiplyTransposed(const Eigen::Ref<const Mat>& m, Eigen::Ref<Mat> dst, const Finish& finish) const {
  if (m.cols() != depth_ || !PackedForDirect(m.rows())) return false;
  DirectProduct(m.data(), m.outerStride(), true, m.rows(), dst, finish);
  return true;
}

template class PackedLhs<float>;
template class PackedLhs<double>;

}  // namespace pmlab::core
