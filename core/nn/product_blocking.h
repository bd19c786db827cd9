#pragma once
// Which products go through Eigen's blocked matrix kernel, and the block sizes it picks for them
// (internal to the network code: mlp.cpp and packed_lhs.cpp must agree on both, so that a
// product with a pre-packed operand adds in exactly the order of the one without).
#include <Eigen/Core>

#include "core/opt/types.h"

namespace pmlab::core {

// Products of more than this many multiply-adds go to OpenBLAS when the build has it, whose
// kernels suit the CPU at run time (the paper's 512 x 784 layer over 600 images runs 2.3x faster
// there than in Eigen built without -march). Smaller ones stay in Eigen: each BLAS call takes a
// process-wide lock in OpenBLAS's buffer allocator, and with the many small products of
// meta-learning (40 x 40 weights by 10 points) worker threads contended for it until 2 threads
// were slower than 1.
constexpr Index kBlasProduct = Index{1} << 18;

/// Whether Mlp's product of a rows x depth by depth x cols operand pair is Eigen's blocked
/// kernel (general_matrix_matrix_product) rather than a depth-one outer product, a
/// matrix-vector product, Eigen's coefficient-wise path for tiny sizes, or OpenBLAS.
inline bool UsesEigenKernel(Index rows, Index cols, Index depth) {
#ifdef PMLAB_OPENBLAS
  if (rows * depth * cols > kBlasProduct) return false;
#endif
  return depth > 1 && rows > 1 && cols > 1 && rows + cols + depth >= EIGEN_GEMM_TO_COEFFBASED_THRESHOLD;
}

/// Eigen's block sizes for one product (its own heuristic, on one thread), with its packing
/// buffers in per-thread scratch. Above Eigen's stack limit (128 KB: the paper's 512 x 784 by
/// 784 x 600 product packs 2.2 MB) Eigen takes them from the heap on every product, which would
/// break the no-allocation-per-iteration rule; these buffers grow once per thread.
template <typename T>
class ScratchBlocking final : public Eigen::internal::level3_blocking<T, T> {
 public:
  ScratchBlocking(Index rows, Index cols, Index depth) {
    this->m_mc = rows;
    this->m_nc = cols;
    this->m_kc = depth;
    Eigen::internal::computeProductBlockingSizes<T, T, 1, Index>(this->m_kc, this->m_mc, this->m_nc, Index{1});
  }
  // Packed blocks as Eigen sizes them; block B starts on a 64-byte boundary.
  Index SizeA() const { return (this->m_kc * this->m_mc + 15) / 16 * 16; }
  Index SizeB() const { return this->m_kc * this->m_nc; }
  bool FitsOnStack() const { return static_cast<std::size_t>(SizeA() + SizeB()) * sizeof(T) <= EIGEN_STACK_ALLOCATION_LIMIT; }
  void Use(Eigen::Matrix<T, Eigen::Dynamic, 1>& scratch) {
    if (scratch.size() < SizeA() + SizeB()) scratch.resize(SizeA() + SizeB());
    this->m_blockA = scratch.data();
    this->m_blockB = scratch.data() + SizeA();
  }
};

}  // namespace pmlab::core
