#pragma once
// The options every iterative run shares, whatever its problem: the logical workers, the
// method (server momentum, step size, the biased operators at the workers) and the run's
// bookkeeping. They are typed: the command line parses its strings once, at the edge. Each
// run kind derives its config from this and may change the defaults in its constructor.
#include <cstdint>
#include <string>

#include "core/opt/parallel_momentum.h"

namespace pmlab::core {

/// The options every run shares: method, operators, workers, seed, bookkeeping.
struct RunOptions {
  int workers = 1;                      ///< logical workers n >= 1
  std::int64_t iters = 100;             ///< iterations (rounds) to run >= 1
  MomentumOptions momentum;             ///< --lr, --beta, --nesterov, --momentum-at, --schedule
  TransformOptions transform;           ///< --clip, --compress, --error-feedback at every worker
  std::uint64_t seed = 1;               ///< run seed: data, initialisation, worker streams
  int threads = 0;                      ///< threads, 0 = all cores; never changes results
  std::int64_t eval_every = 10;         ///< evaluate every N iterations and at the end; 0 = never
  std::int64_t checkpoint_every = 10;   ///< checkpoint every N iterations and at the end; 0 = only at the end
  int keep_checkpoints = 3;             ///< newest checkpoints kept (>= 1)
  std::string out;                      ///< run folder
  bool quiet = false;                   ///< no progress lines

  /// The method these options describe.
  ParallelMomentumOptions Method() const { return {workers, seed, momentum, transform}; }

  /// Throws std::invalid_argument naming the flag and its allowed range.
  void Validate() const;

  /// Sets a new total length for a resumed run. Refuses (std::invalid_argument naming
  /// --schedule) a schedule whose step sizes depend on the length, which would change the steps
  /// of iterations already planned.
  void ExtendTo(std::int64_t new_iters);
};

}  // namespace pmlab::core
