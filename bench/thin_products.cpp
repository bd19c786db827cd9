// Products with a thin side (an output layer of few rows, a first layer of few inputs): Eigen's
// own product against the direct kernel (core/nn/packed_lhs.h), which forms them in the same
// order, at the shapes of PointNav's 2-100-100-2 policy over a batch of 2,000 steps and the
// paper network's 10-row output layer over 600 images. One thread.
#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include "core/nn/packed_lhs.h"

namespace pmlab::bench {
namespace {

using core::Index;
using Mat = Eigen::MatrixXf;

struct ThinShape {
  Index rows, depth, columns;
  bool transposed;  // b given as its transpose (a weight gradient's delta times activations^T)
};
const ThinShape kThinShapes[] = {
    {2, 100, 2000, false},  // PointNav output layer, forward
    {2, 2000, 100, true},   // PointNav output layer, weight gradient
    {100, 2000, 2, true},   // PointNav first layer, weight gradient
    {10, 512, 600, false},  // paper output layer, forward
    {10, 600, 512, true},   // paper output layer, weight gradient
};

// Arguments: the shape, and 0 for Eigen's product, 1 for the direct kernel (packing or borrowing
// the left operand as Mlp does).
void ThinProduct(benchmark::State& state) {
  const ThinShape s = kThinShapes[state.range(0)];
  const Mat a = Mat::Random(s.rows, s.depth), b = Mat::Random(s.depth, s.columns), bt = b.transpose();
  Mat dst(s.rows, s.columns);
  core::PackedLhs<float> lhs;
  const bool direct = state.range(1) == 1;
  if (direct && !core::PackedLhs<float>::Direct(s.rows, s.columns, s.depth)) {
    state.SkipWithError("this build has no direct kernel");
    return;
  }
  for (auto _ : state) {
    if (!direct) {
      if (s.transposed) dst.noalias() = a * bt.transpose();
      else dst.noalias() = a * b;
    } else {
      if (s.columns < core::PackedLhs<float>::kBorrowBelowColumns) lhs.Borrow(a.data(), s.rows, s.depth, s.rows, s.columns);
      else lhs.Pack(a.data(), s.rows, s.depth, s.rows, false, s.columns);
      if (s.transposed) lhs.MultiplyTransposed(bt, dst);
      else lhs.Multiply(b, dst);
    }
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetLabel(std::to_string(s.rows) + "x" + std::to_string(s.depth) + (s.transposed ? " by (" : " by ") + std::to_string(s.depth) +
                 "x" + std::to_string(s.columns) + (s.transposed ? ")^T" : ""));
}
BENCHMARK(ThinProduct)->ArgsProduct({{0, 1, 2, 3, 4}, {0, 1}})->ArgNames({"shape", "direct"})->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace pmlab::bench
