#pragma once
// A matrix whose memory only grows. An Mlp's activations alternate between a rollout's few columns
// and a batch's thousands; an Eigen matrix resized between them frees its block and allocates a
// new one, and the allocator hands a freed block of that size back to the kernel, so every pass
// over a batch faulted its pages in again (on this project's 2-core virtual machine, a sixth of a
// PointNav meta-iteration went to page faults).
#include <Eigen/Core>

#include "core/opt/types.h"

namespace pmlab::core {

template <typename T>
class ScratchMatrix {
 public:
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  /// The matrix, contiguous and aligned as a Mat's storage is (so Eigen's expressions over it
  /// take the same paths, and give the same bits, as over a Mat).
  using View = Eigen::Map<Mat, Eigen::AlignedMax>;
  using ConstView = Eigen::Map<const Mat, Eigen::AlignedMax>;

  /// Shapes it rows x cols, its entries unspecified; allocates only beyond the most entries it
  /// has held.
  View Resize(Index rows, Index cols) {
    if (rows * cols > storage_.size()) storage_.resize(rows * cols);
    rows_ = rows;
    cols_ = cols;
    return view();
  }
  View view() { return View(storage_.data(), rows_, cols_); }
  ConstView view() const { return ConstView(storage_.data(), rows_, cols_); }
  Index cols() const { return cols_; }

 private:
  Eigen::Matrix<T, Eigen::Dynamic, 1> storage_;
  Index rows_ = 0, cols_ = 0;
};

}  // namespace pmlab::core
