#pragma once
// The one interface between a problem and the parallel momentum machinery: each logical
// worker asks the oracle for its (possibly biased) gradient estimate at the current point.
// One oracle object serves all workers and is called concurrently from the worker pool:
// - Estimate may write only to per-thread scratch and to state indexed by its `worker` (one slot
//   per logical worker: a running statistic, an episode counter); everything else it reads.
//   Which thread runs a worker then never changes a result.
// - After the server's update, MergeWorkers runs serially, once per iteration: the place to fold
//   the workers' slots into shared statistics, in worker order, so the sum is the same for any
//   thread count.
// - When the workers are spread over processes (cluster.h), each process runs Estimate for its
//   own workers only; SaveWorkerSlot and LoadWorkerSlot carry every slot to every process, so
//   that each runs the same MergeWorkers over all of them and the merged state stays identical.
// - A round may take several server steps on what the workers drew at its start (PPO's epochs
//   of minibatches): Plan says how many, BeginStep(s) runs serially before step s, and a slot
//   holds what every step so far left in it.
// State that must survive a checkpoint is saved through core/run/problem_state.h.
#include <cstdint>
#include <limits>

#include "core/opt/byte_stream.h"
#include "core/opt/rng.h"
#include "core/opt/types.h"

namespace pmlab::core {

/// What a worker's call of the oracle reports besides its gradient.
struct OracleResult {
  double loss = 0.0;  ///< the worker's loss estimate at x (before any transform)
  /// In a round of several steps: how far x has moved from where the worker drew its samples
  /// (PPO's approximate KL divergence); 0 otherwise.
  double drift = 0.0;
};

/// How a round uses the workers' draws.
struct RoundPlan {
  int steps = 1;  ///< server steps per round, each on a new estimate from the round's draws
  /// The round ends before a step (after the first) whose workers' mean drift is above this.
  double stop_above = std::numeric_limits<double>::infinity();
};

/// A problem as the parallel momentum method sees it (see the file comment).
class GradientOracle {
 public:
  virtual ~GradientOracle() = default;

  /// Length of the parameter vector.
  virtual Index Dimension() const = 0;

  /// Worker `worker`'s gradient estimate at `x`, written to `gradient` (size Dimension()).
  /// All randomness comes from `rng`, the worker's own stream, so the result does not
  /// depend on which thread runs the call.
  virtual OracleResult Estimate(int worker, const Vector& x, Rng& rng, Eigen::Ref<Vector> gradient) = 0;

  /// The steps of each round; one fresh estimate per round unless the oracle reuses its draws.
  virtual RoundPlan Plan() const { return {}; }
  /// Called serially before step `step` (0-based) of round `iteration` (1-based) at `x`, on
  /// every process.
  virtual void BeginStep(std::int64_t /*iteration*/, int /*step*/, const Vector& /*x*/) {}

  /// Called serially after the server's last step of iteration `iteration` (1-based) moved x
  /// to `x`; merges the workers' slots in worker order. Not called when the iteration diverged.
  virtual void MergeWorkers(std::int64_t /*iteration*/, const Vector& /*x*/) {}

  /// What the oracle keeps for worker `worker` from round to round apart from its slot (an RL
  /// worker's environments in mid-episode), as bytes for a checkpoint, written on the process
  /// that runs the worker; nothing for most oracles.
  virtual void SaveWorkerState(int /*worker*/, ByteWriter& /*out*/) const {}
  /// Puts back what SaveWorkerState wrote, when a run is restored from a checkpoint, on the
  /// process that runs the worker (which may be another process, on another thread count).
  virtual void LoadWorkerState(int /*worker*/, ByteReader& /*in*/) {}

  /// What Estimate left in worker `worker`'s slot for MergeWorkers, as bytes; nothing for
  /// oracles without slots.
  virtual void SaveWorkerSlot(int /*worker*/, ByteWriter& /*out*/) const {}
  /// Puts what SaveWorkerSlot wrote (in another process) into this process's slot `worker`.
  virtual void LoadWorkerSlot(int /*worker*/, ByteReader& /*in*/) {}
};

}  // namespace pmlab::core
