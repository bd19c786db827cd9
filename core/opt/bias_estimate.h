#pragma once
// How biased an estimator is, measured by Monte Carlo: ||E[g_hat] - g|| / ||g||, from M units
// (tasks, batches of episodes) that each give an estimate g_hat_i and a reference g_i on common
// random numbers. The mean difference estimates E[g_hat] - g without the spread of the units
// themselves; its standard error is reported beside it, on the same scale.
//
// Units are summed in fixed chunks (each chunk by one task, in unit order), then the chunks in
// order, so the figure is the same for any thread count.
#include <algorithm>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "core/opt/types.h"

namespace pmlab::core {

struct BiasEstimate {
  double relative_bias = 0;  ///< ||mean(g_hat - g)|| / ||mean(g)||
  double monte_carlo = 0;    ///< standard error of that estimate (same scale)
  /// sqrt(E ||g_hat - E g_hat||^2) / ||mean(g)||: the spread of one unit's estimate, where the
  /// units' estimates were given (NaN otherwise).
  double relative_spread = std::numeric_limits<double>::quiet_NaN();
};

class BiasSums {
 public:
  static constexpr Index kChunk = 16;

  /// `units` >= 2 units of dimension `d`.
  BiasSums(Index d, Index units);

  Index Chunks() const { return diff_.cols(); }
  /// The units of chunk c: [c * kChunk, min(units, (c + 1) * kChunk)).
  Index ChunkBegin(Index c) const { return c * kChunk; }
  Index ChunkEnd(Index c) const { return std::min(units_, (c + 1) * kChunk); }

  /// Adds unit i's difference g_hat_i - g_i and reference g_i, and, for the spread, an estimate
  /// of its own (g_hat_i, or an independent draw where g_hat_i is a conditional mean); call for
  /// the units of one chunk from one task, in order.
  void Add(Index i, const Eigen::VectorXd& difference, const Eigen::VectorXd& reference, const Eigen::VectorXd* estimate = nullptr);

  BiasEstimate Result() const;

 private:
  Index units_;
  Eigen::MatrixXd diff_, ref_, est_;
  Eigen::VectorXd diff_sq_, est_sq_;
  std::vector<Index> estimates_;  // per chunk: chunks are filled by different threads
};

}  // namespace pmlab::core
