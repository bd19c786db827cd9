#pragma once
// The one interface between a problem and the parallel momentum machinery: each logical
// worker asks the oracle for its (possibly biased) gradient estimate at the current point.
// One oracle object serves all workers and is called concurrently from the worker pool, so
// implementations keep per-thread scratch and per-worker data that they only read.
#include "core/rng.h"
#include "core/types.h"

namespace pmlab::core {

struct OracleResult {
  double loss = 0.0;  ///< the worker's loss estimate at x (before any transform)
};

class GradientOracle {
 public:
  virtual ~GradientOracle() = default;

  /// Length of the parameter vector.
  virtual Index Dimension() const = 0;

  /// Worker `worker`'s gradient estimate at `x`, written to `gradient` (size Dimension()).
  /// All randomness comes from `rng`, the worker's own stream, so the result does not
  /// depend on which thread runs the call.
  virtual OracleResult Estimate(int worker, const Vector& x, Rng& rng, Eigen::Ref<Vector> gradient) = 0;
};

}  // namespace pmlab::core
