#pragma once
// The left operand of many matrix products, packed once. Eigen's matrix kernel copies blocks of
// both operands into panels of its own layout before it multiplies; when one left operand meets
// many right ones (a layer's weights and every worker's batch in a round), packing it once and
// handing its panels to the kernel for each product leaves one copy where there were many. The
// kernel, its block sizes and so its order of additions are Eigen's own, so every product
// equals the one Eigen forms without the packed operand, bit for bit.
//
// An AVX-512 float build multiplies the panels by the right operand where it lies instead, with
// the fused multiply-adds of Eigen's kernel in its order (its chains per panel kind and per block
// of the depth, packed_lhs.cpp): no copy of the right operand, and the result written once
// rather than zeroed first and then read back and added to (Direct). The bits are Eigen's; only
// the memory traffic goes. Products it does not reproduce stay with Eigen's kernel.
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

  /// Pack's equal for a column-major rows x depth A that the direct kernel can read where it
  /// lies (Direct, rows and their blocks multiples of four): no copy; A must outlive its use and
  /// not change. Packs it otherwise.
  void Borrow(const T* data, Index rows, Index depth, Index stride, Index columns);

  /// Products with fewer columns than this are faster with A borrowed than packed: packing A
  /// costs about as much as such a product (a layer's delta in the weight gradient of a layer of
  /// 2 inputs), while wider ones read a packed A faster (the paper network's 512 x 600 deltas
  /// times its 784 inputs: 173 GFLOP/s packed, 144 in place, on the AMD EPYC).
  static constexpr Index kBorrowBelowColumns = 16;

  /// What happens to each entry of a product as it is stored, in this order, each optional:
  /// added to the entry already there (dst += op(A) b), a bias per row added, max(0, .), and 0
  /// where a mask of the result's shape is not positive (a layer's forward pass, and ReLU's
  /// derivative in its backward pass). The same float operations as Eigen's product and the
  /// passes Mlp makes over it otherwise, so the same bits.
  struct Finish {
    bool add = false;
    const T* bias = nullptr;
    bool relu = false;
    const T* mask = nullptr;  ///< column-major, column stride mask_stride
    Index mask_stride = 0;
  };

  /// dst = finish(op(A) b), returning true, when Eigen's kernel would block this product as
  /// op(A) was packed (b of the width given to Pack, or of one blocked alike); false, leaving
  /// dst as it is, otherwise (the caller multiplies as usual). dst has its final shape. The
  /// direct kernel applies `finish` as it stores each tile, sparing a pass over dst.
  bool Multiply(const Eigen::Ref<const Mat>& b, Eigen::Ref<Mat> dst, const Finish& finish = {}) const;

  /// dst = finish(op(A) m^T), for m of `depth` columns, returning true, when the direct kernel
  /// forms it (Direct); false, leaving dst as it is, otherwise.
  bool MultiplyTransposed(const Eigen::Ref<const Mat>& m, Eigen::Ref<Mat> dst, const Finish& finish = {}) const;

  /// `finish` besides adding, as passes over a product already formed: what Multiply does when
  /// the direct kernel does not form the product, and what a caller multiplying by other
  /// means does to give the same bits.
  static void ApplyFinish(Eigen::Ref<Mat> dst, const Finish& finish);

  /// Whether the direct kernel forms a rows x depth by depth x columns product, packed for
  /// that width, exactly as Eigen's kernel would: a float build with AVX-512 (F, VL and DQ) and
  /// FMA, and a product that Eigen's blocked kernel forms (its panels of rows and its single rows
  /// alike, each in its own order).
  static bool Direct(Index rows, Index columns, Index depth);

  /// Whether the direct kernel sums each entry of a column the same way in a product of
  /// `columns` columns as in one of `other` (both Direct, the same blocks of the depth, each row
  /// in the same kind of panel), for a column among others in fours in both, or among the last
  /// columns short of four in both: a column's entries are then its own, whatever the width.
  static bool SameSums(Index rows, Index depth, Index columns, Index other);

  Index rows() const { return rows_; }
  Index depth() const { return depth_; }

 private:
  // The direct kernel's product with b (b^T with `transposed`) of `columns` columns.
  void DirectProduct(const T* b, Index stride, bool transposed, Index columns, Eigen::Ref<Mat> dst, const Finish& finish) const;
  bool PackedForDirect(Index columns) const;

  Index rows_ = 0, depth_ = 0, kc_ = 0, mc_ = 0;
  Eigen::Matrix<T, Eigen::Dynamic, 1> panels_;  // every (row block, depth block) panel in turn
  const T* borrowed_ = nullptr;                 // Borrow's operand, read where it lies
  Index lda_ = 0;                               // and its column stride
  std::vector<Index> offsets_;                  // where each panel starts, 64-byte aligned
};

extern template class PackedLhs<float>;
extern template class PackedLhs<double>;

}  // namespace pmlab::core
