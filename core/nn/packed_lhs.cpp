#include "core/nn/packed_lhs.h"

#include <algorithm>
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

// Whether Eigen's kernel adds each entry of a block of `rows` rows in one chain from +0: its
// panels of three and two vectors (48 and 32 floats) do; its one-vector panel alternates two
// accumulators between even and odd depths, and narrower ones differ again.
bool SequentialRows(Index rows) { return rows % 48 == 0 || rows % 48 == 32; }

// Whether Eigen's kernel, blocking a rows x depth by depth x columns product as it does, adds
// every entry's products in one chain from +0 and then adds that sum to the zeroed result
// (0 + s = s: a chain from +0 never ends at -0).
bool SequentialProduct(Index rows, Index columns, Index depth) {
  if (!UsesEigenKernel(rows, columns, depth)) return false;
  const ScratchBlocking<float> blocking(rows, columns, depth);
  if (blocking.kc() != depth) return false;
  const Index mc = std::min(rows, blocking.mc());
  return SequentialRows(mc) && SequentialRows(rows % mc == 0 ? mc : rows % mc);
}

#if defined(EIGEN_VECTORIZE_AVX512) && defined(EIGEN_VECTORIZE_FMA)
constexpr bool kDirect = true;
static_assert(Kernel<float>::Traits::mr == 48 && Kernel<float>::Traits::LhsProgress == 16);

// One depth step of a tile: kVectors vectors of the packed panel times kColumns broadcast
// entries of the right operand, added to the accumulators.
template <int kVectors, int kColumns, bool kTransposed>
inline void TileStep(const float* a, Index k, const float* b, Index stride, __m512 (&acc)[kVectors][kColumns]) {
  __m512 lhs[kVectors];
  for (int v = 0; v < kVectors; ++v) lhs[v] = _mm512_loadu_ps(a + (k * kVectors + v) * 16);
  for (int j = 0; j < kColumns; ++j) {
    const __m512 rhs = _mm512_set1_ps(kTransposed ? b[k * stride + j] : b[j * stride + k]);
    for (int v = 0; v < kVectors; ++v) acc[v][j] = _mm512_fmadd_ps(lhs[v], rhs, acc[v][j]);
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

// One tile of the result: kVectors x 16 rows by kColumns columns, held in registers over the
// whole depth. `a` is the rows' packed panel (16 kVectors floats per depth step); column j of
// the right operand is b + j * stride (b^T's row: b + j, stepping by stride, when kTransposed).
// Sixteen steps unrolled: measured 5-10% faster than a loop of one.
// Where a product's entries go and what happens to each on the way (PackedLhs::Finish), with
// the result's column-major layout.
struct Result {
  float* data;
  Index stride;
  const PackedLhs<float>::Finish& finish;
};

// Stores a tile's accumulators at (row, column) of the result: the bias added, max(0, .), the
// mask applied, in Mlp's order and with the operations of Eigen's packets for its passes (its
// max(z, 0) is _mm512_max_ps(0, z), which keeps a NaN).
template <int kVectors, int kColumns>
inline void StoreTile(const __m512 (&acc)[kVectors][kColumns], const Result& out, Index row, Index column) {
  const PackedLhs<float>::Finish& f = out.finish;
  const __m512 zero = _mm512_setzero_ps();
  for (int j = 0; j < kColumns; ++j)
    for (int v = 0; v < kVectors; ++v) {
      const Index r = row + v * 16, c = column + j;
      __m512 x = acc[v][j];
      if (f.bias) x = _mm512_add_ps(x, _mm512_loadu_ps(f.bias + r));
      if (f.relu) x = _mm512_max_ps(zero, x);
      if (f.mask) x = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(f.mask + c * f.mask_stride + r), zero, _CMP_GT_OQ), x);
      _mm512_storeu_ps(out.data + c * out.stride + r, x);
    }
}

template <int kVectors, int kColumns, bool kTransposed>
inline void Tile(const float* a, Index depth, const float* b, Index stride, const Result& out, Index row, Index column) {
  __m512 acc[kVectors][kColumns];
  for (int v = 0; v < kVectors; ++v)
    for (int j = 0; j < kColumns; ++j) acc[v][j] = _mm512_setzero_ps();
  Index k = 0;
  for (; k + 16 <= depth; k += 16) {
#pragma GCC unroll 16
    for (int u = 0; u < 16; ++u) {
      Prefetch<kColumns, kTransposed>(b, k + u, stride);
      TileStep<kVectors, kColumns, kTransposed>(a, k + u, b, stride, acc);
    }
  }
  for (; k < depth; ++k) {
    Prefetch<kColumns, kTransposed>(b, k, stride);
    TileStep<kVectors, kColumns, kTransposed>(a, k, b, stride, acc);
  }
  StoreTile(acc, out, row, column);
}

// kColumns columns of one row block (from `row` of the result, `rows` tall): its 48-row panels,
// then its 32-row one.
template <int kColumns, bool kTransposed>
void PanelColumns(const float* panels, Index rows, Index depth, const float* b, Index stride, const Result& out, Index row,
                  Index column) {
  Index i = 0;
  for (; i + 48 <= rows; i += 48) Tile<3, kColumns, kTransposed>(panels + i * depth, depth, b, stride, out, row + i, column);
  if (i < rows) Tile<2, kColumns, kTransposed>(panels + i * depth, depth, b, stride, out, row + i, column);
}

// A row block's product, eight columns at a time (24 accumulators, three vectors of the panel
// and a broadcast fill 28 of the 32 vector registers), then four, then one.
template <bool kTransposed>
void PanelProduct(const float* panels, Index rows, Index depth, const float* b, Index stride, Index columns, const Result& out, Index row) {
  const auto column = [&](Index j) { return kTransposed ? b + j : b + j * stride; };
  Index j = 0;
  if constexpr (kTransposed) {
    // A deep transposed operand whose rows lie a multiple of 1 KB apart is read 16 columns (one
    // cache line of each depth step) at a time into a buffer of its own first: in place, those
    // lines crowd into a few of the L1 cache's sets and are evicted before the next tile reads
    // them (the 512-wide layers' 2 KB rows, 600 deep: 12% slower). Other operands gain less
    // than the copy costs.
    const bool copy = depth >= 256 && stride % 256 == 0;
    thread_local std::vector<float> lines;  // grows once per thread
    if (copy && columns >= 16 && lines.size() < static_cast<std::size_t>(depth * 16)) lines.resize(static_cast<std::size_t>(depth * 16));
    for (; copy && j + 16 <= columns; j += 16) {
      for (Index k = 0; k < depth; ++k) _mm512_storeu_ps(lines.data() + k * 16, _mm512_loadu_ps(b + k * stride + j));
      PanelColumns<8, true>(panels, rows, depth, lines.data(), 16, out, row, j);
      PanelColumns<8, true>(panels, rows, depth, lines.data() + 8, 16, out, row, j + 8);
    }
  }
  for (; j + 8 <= columns; j += 8) PanelColumns<8, kTransposed>(panels, rows, depth, column(j), stride, out, row, j);
  for (; j + 4 <= columns; j += 4) PanelColumns<4, kTransposed>(panels, rows, depth, column(j), stride, out, row, j);
  for (; j < columns; ++j) PanelColumns<1, kTransposed>(panels, rows, depth, column(j), stride, out, row, j);
}
#else
constexpr bool kDirect = false;
#endif

}  // namespace

template <typename T>
bool PackedLhs<T>::Direct(Index rows, Index columns, Index depth) {
  return std::is_same_v<T, float> && kDirect && SequentialProduct(rows, columns, depth);
}

template <typename T>
bool PackedLhs<T>::PackedForDirect(Index columns) const {
  // The panels as packed, as well as the product, must be sums in one chain.
  return rows_ > 0 && kc_ == depth_ && SequentialRows(mc_) && SequentialRows(rows_ % mc_ == 0 ? mc_ : rows_ % mc_) &&
         Direct(rows_, columns, depth_);
}

template <typename T>
void PackedLhs<T>::DirectProduct(const T* b, Index stride, bool transposed, Index columns, Eigen::Ref<Mat> dst,
                                 const Finish& finish) const {
#if defined(EIGEN_VECTORIZE_AVX512) && defined(EIGEN_VECTORIZE_FMA)
  if constexpr (std::is_same_v<T, float>) {
    const Result out{dst.data(), dst.outerStride(), finish};
    std::size_t panel = 0;
    for (Index i = 0; i < rows_; i += mc_, ++panel) {
      const Index mc = std::min(mc_, rows_ - i);
      if (transposed) PanelProduct<true>(panels_.data() + offsets_[panel], mc, depth_, b, stride, columns, out, i);
      else PanelProduct<false>(panels_.data() + offsets_[panel], mc, depth_, b, stride, columns, out, i);
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
bool PackedLhs<T>::Multiply(const Eigen::Ref<const Mat>& b, Eigen::Ref<Mat> dst, const Finish& finish) const {
  const Index cols = b.cols();
  if (b.rows() != depth_ || rows_ == 0 || !UsesEigenKernel(rows_, cols, depth_)) return false;
  if (PackedForDirect(cols)) {
    DirectProduct(b.data(), b.outerStride(), false, cols, dst, finish);
    return true;
  }
  const ScratchBlocking<T> blocking(rows_, cols, depth_);
  const Index kc = blocking.kc(), mc = std::min(rows_, blocking.mc()), nc = std::min(cols, blocking.nc());
  if (kc != kc_ || mc != mc_) return false;
  thread_local Eigen::Matrix<T, Eigen::Dynamic, 1> scratch;  // the rhs block; grows once per thread
  if (scratch.size() < blocking.SizeB()) scratch.resize(blocking.SizeB());
  T* const block_b = scratch.data();
  const typename Kernel<T>::RhsMapper rhs(b.data(), b.outerStride());
  const typename Kernel<T>::ResMapper res(dst.data(), dst.outerStride(), 1);
  typename Kernel<T>::PackRhs pack_rhs;
  typename Kernel<T>::Gebp gebp;
  dst.setZero();
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
bool PackedLhs<T>::MultiplyTransposed(const Eigen::Ref<const Mat>& m, Eigen::Ref<Mat> dst) const {
  if (m.cols() != depth_ || !PackedForDirect(m.rows())) return false;
  DirectProduct(m.data(), m.outerStride(), true, m.rows(), dst, Finish{});
  return true;
}

template class PackedLhs<float>;
template class PackedLhs<double>;

}  // namespace pmlab::core
