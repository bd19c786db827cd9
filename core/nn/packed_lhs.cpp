#include "core/nn/packed_lhs.h"

#include <algorithm>

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

}  // namespace

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
bool PackedLhs<T>::Multiply(const Eigen::Ref<const Mat>& b, Eigen::Ref<Mat> dst) const {
  const Index cols = b.cols();
  if (b.rows() != depth_ || rows_ == 0 || !UsesEigenKernel(rows_, cols, depth_)) return false;
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
  return true;
}

template class PackedLhs<float>;
template class PackedLhs<double>;

}  // namespace pmlab::core
