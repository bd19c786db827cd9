#pragma once
// Squared norms of float vectors summed in double, fast and in a fixed order. A single running
// sum cannot be reordered, so the compiler leaves it scalar (about 1.4 ns a float); sixteen
// interleaved partial sums, combined in lane order at the end, vectorise and give the same
// bits on every thread count and whether a vector is summed whole or piece by piece.
#include "core/opt/types.h"

namespace pmlab::core {

/// A squared norm built up piece by piece: the same total as one call over the whole vector
/// when every piece but the last has a multiple of kLanes floats.
class SquaredNormSum {
 public:
  static constexpr Index kLanes = 16;

  /// Adds v[0..n)^2.
  void Add(const float* v, Index n);
  /// Adds v[0..kLanes)^2, one float to each lane: the step of a pass that sums a norm while it
  /// does other work, giving the same total as Add.
  void AddGroup(const float* v) {
    for (Index l = 0; l < kLanes; ++l) {
      const double x = v[l];
      lanes_[l] += x * x;
    }
  }
  /// Adds (a[i] - b[i])^2, each difference rounded to float as a float vector would hold it.
  void AddDifference(const float* a, const float* b, Index n);
  /// The sum so far.
  double Total() const;

 private:
  double lanes_[kLanes] = {};
  double tail_ = 0;  // floats past the last whole group of kLanes
};

/// ||v||^2 in double.
double SquaredNorm(const Vector& v);
/// ||a - b||^2 in double, each difference rounded to float.
double SquaredDistance(const Vector& a, const Vector& b);

}  // namespace pmlab::core
