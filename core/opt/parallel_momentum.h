#pragma once
// One round of the paper's server-worker method (Beikmohammadi et al., TCNS 2025, Alg. 1):
// every logical worker i computes its estimate at x_k with its own stream, transforms it
// (clip / compress / error feedback, optionally after a worker-side momentum buffer) into its
// own slot; the server averages the slots in worker order and takes a momentum step.
#include <cstdint>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "core/opt/gradient_oracle.h"
#include "core/opt/momentum_server.h"
#include "core/opt/worker_pool.h"
#include "core/opt/worker_transform.h"

namespace pmlab::core {

struct ParallelMomentumOptions {
  int workers = 1;              ///< logical workers n >= 1; independent of the thread count
  std::uint64_t seed = 0;       ///< run seed; worker i's stream is Rng(seed, kWorker, i)
  MomentumOptions momentum;     ///< server (or worker) momentum and step size
  TransformOptions transform;   ///< what each worker applies to its gradient
};

/// Metrics of one completed round.
struct RoundStats {
  std::int64_t iteration = 0;    ///< 1-based index of the round just completed
  double train_loss = 0;         ///< mean of the workers' loss estimates at x_k
  double grad_norm = 0;          ///< ||g_bar||, the averaged message
  double transform_error = 0;    ///< sum_i ||T(g_i) - g_i||^2 / sum_i ||g_i||^2
  double bits = 0;               ///< bits sent by all workers this round
  double lr = 0;                 ///< step size used
  bool finite = true;            ///< false when the loss or the average is NaN/Inf (then no step is
                                 ///< taken) or when the step made x non-finite
};

class ParallelMomentum {
 public:
  ParallelMomentum(const ParallelMomentumOptions& options, GradientOracle& oracle, WorkerPool& pool,
                   Vector x0, std::int64_t total_iterations);

  /// Runs one round. When the loss or the average is not finite, x and v are left as they were.
  RoundStats Step();

  const MomentumState& state() const { return state_; }
  MomentumState& mutable_state() { return state_; }
  std::vector<WorkerMemory>& workers() { return workers_; }
  /// The averaged message of the last round.
  const Vector& average() const { return average_; }

 private:
  struct Scratch {
    Vector gradient;
    Vector work;
  };

  ParallelMomentumOptions options_;
  GradientOracle& oracle_;
  WorkerPool& pool_;
  WorkerTransform transform_;
  MomentumServer server_;
  MomentumState state_;
  std::vector<WorkerMemory> workers_;
  Matrix slots_;  // column i: worker i's message
  Vector average_;
  std::vector<double> losses_;
  std::vector<TransformStats> stats_;
  tbb::enumerable_thread_specific<Scratch> scratch_;
};

}  // namespace pmlab::core
