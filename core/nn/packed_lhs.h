#pragma once
// The left operand of many matrix products, packed once. Eigen's matrix kernel copies blocks of
// both operands into panels of its own layout before it multiplies; when one left operand meets
// many right ones (a layer's weights and every worker's batch in a round), packing it once and
// handing its panels to the kernel for each product leaves one copy where there were many. The
// kernel, its block sizes and so its order of additions are Eigen's own, so every product
// equals the one Eigen forms without the packed operand, bit for bit.
#include <vector>

#include "core/opt/types.h"

namespace pmlab::core {

template <typename T>
class PackedLhs {
 public:
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

  /// Packs op(A) for products with right operands of `columns` columns, where A is the
  /// column-major matrix at `data` with column stride `stride`: op(A) = A (rows x depth) or,
  /// with `transposed`, the transpose of the depth x rows matrix A. The memory grows only when
  /// a larger operand is packed.
  void Pack(const T* data, Index rows, Index depth, Index stride, bool transposed, Index columns);

  /// dst = op(A) b, returning true, when Eigen's kernel would block this product as op(A) was
  /// packed (b of the width given to Pack, or of one blocked alike); false, leaving dst as it
  /// is, otherwise (the caller multiplies as usual). dst has its final shape.
  bool Multiply(const Eigen::Ref<const Mat>& b, Eigen::Ref<Mat> dst) const;

  Index rows() const { return rows_; }
  Index depth() const { return depth_; }

 private:
  Index rows_ = 0, depth_ = 0, kc_ = 0, mc_ = 0;
  Eigen::Matrix<T, Eigen::Dynamic, 1> panels_;  // every (row block, depth block) panel in turn
  std::vector<Index> offsets_;                  // where each panel starts, 64-byte aligned
};

extern template class PackedLhs<float>;
extern template class PackedLhs<double>;

}  // namespace pmlab::core
