#pragma once
// One round of the paper's server-worker method (Beikmohammadi et al., TCNS 2025, Alg. 1):
// every logical worker i computes its estimate at x_k with its own stream and transforms it
// (clip / compress / error feedback, optionally after a worker-side momentum buffer) into its
// message; the server sums the messages in a fixed order (fixed_order_sum.h), averages, and
// takes a step with its rule (the paper's momentum unless --server names another).
//
// The workers may be spread over the processes of a job (cluster.h). Each process runs its own
// block of workers; their messages travel to the server (process 0) in their compressed form,
// with the workers' losses, statistics and problem slots; the server sends x_{k+1} and every
// slot back. Since the sum's order depends only on n, a run is the same float for float for any
// number of processes and threads.
#include <cstdint>
#include <string>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "core/opt/cluster.h"
#include "core/opt/gradient_oracle.h"
#include "core/opt/message.h"
#include "core/opt/momentum_server.h"
#include "core/opt/worker_pool.h"
#include "core/opt/worker_transform.h"

namespace pmlab::core {

/// The whole method: the server and the workers' transforms.
struct ParallelMomentumOptions {
  int workers = 1;              ///< logical workers n >= 1; independent of the thread count
  std::uint64_t seed = 0;       ///< run seed; worker i's stream is Rng(seed, kWorker, i)
  MomentumOptions momentum;     ///< server (or worker) momentum and step size
  TransformOptions transform;   ///< what each worker applies to its gradient
};

/// Metrics of one completed round (on the server; other processes get `iteration` and `finite`).
struct RoundStats {
  std::int64_t iteration = 0;    ///< 1-based index of the round just completed
  double train_loss = 0;         ///< mean of the workers' loss estimates at x_k
  double grad_norm = 0;          ///< ||g_bar||, the averaged message (of the round's first step)
  double transform_error = 0;    ///< sum_i ||T(g_i) - g_i||^2 / sum_i ||g_i||^2
  double bits = 0;               ///< bits sent by all workers this round (in the steps taken)
  double lr = 0;                 ///< step size used
  int steps = 0;                 ///< server steps taken (more than one when the oracle reuses its draws)
  bool finite = true;            ///< false when the loss or the average is NaN/Inf (then no step is
                                 ///< taken) or when the step made x non-finite
};

/// What crossed between processes, counted at the server: the messages of the workers of other
/// processes, as sent, against the bits the `bits` column counts for them.
struct WireCount {
  double message_bytes = 0;  ///< bytes of those messages, headers included
  double message_bits = 0;   ///< their bits as the `bits` column counts them
};

/// One round after another: workers estimate and transform, the server sums and steps.
class ParallelMomentum {
 public:
  /// Starts at `x0`; `job` spreads the workers over processes.
  ParallelMomentum(const ParallelMomentumOptions& options, GradientOracle& oracle, WorkerPool& pool, Vector x0,
                   std::int64_t total_iterations, Cluster& job = ThisJob());

  /// Runs one round: the oracle's planned steps (one unless it reuses its draws). When a loss or
  /// an average is not finite, that step is not taken.
  /// Every process of the job calls it together.
  RoundStats Step();

  /// x and the iteration on every process; the rule's buffers on the server only.
  const MomentumState& state() const { return state_; }
  /// The server: its rule and step sizes.
  const MomentumServer& server() const { return server_; }
  /// The state, for restoring a checkpoint.
  MomentumState& mutable_state() { return state_; }
  /// Every worker's memory with the oracle's state of it, gathered to the server (empty
  /// elsewhere), for a checkpoint. The
  /// server's own workers' memories are moved out, not copied: hand them back with SetWorkers
  /// before the next Step. Every process calls it together.
  std::vector<WorkerMemory> LendWorkers();
  /// Takes every worker's memory back after a checkpoint; a process keeps its own workers'.
  void SetWorkers(std::vector<WorkerMemory> workers);
  /// Takes every worker's memory from a checkpoint, and hands the oracle its own workers' state.
  void RestoreWorkers(std::vector<WorkerMemory> workers);
  /// The averaged message of the last round (on the server).
  const Vector& average() const { return average_; }
  /// Bytes and bits sent so far.
  const WireCount& wire() const { return wire_; }

 private:
  struct Scratch {
    Vector gradient;
    Vector work;
  };

  // What the server made of a step: taken, stopped before it (the round ends with x as it
  // was), or diverged.
  enum class Verdict : std::uint8_t { kDiverged = 0, kStepped = 1, kStopped = 2 };

  // Every own worker's estimate at x, through its transform, into messages_ and the figures.
  void EstimateAndTransform();
  // Brings every worker's message, loss, drift and statistics to the server, and every slot's
  // bytes into `slots` there.
  void SendToServer(std::vector<std::string>& slots);
  // The server's verdict, x and every slot to every process.
  void SendToWorkers(Verdict& verdict, std::vector<std::string>& slots);

  ParallelMomentumOptions options_;
  GradientOracle& oracle_;
  WorkerPool& pool_;
  Cluster& job_;
  WorkerRange own_;
  WorkerTransform transform_;
  MomentumServer server_;
  MomentumState state_;
  std::vector<WorkerMemory> workers_;
  std::vector<Message> messages_;
  Vector average_;
  std::vector<double> losses_, drifts_;
  std::vector<TransformStats> stats_;
  WireCount wire_;
  std::string outgoing_;                 // this process's part of the round, kept between rounds
  std::vector<std::string> incoming_;    // every process's part, at the server
  tbb::enumerable_thread_specific<Scratch> scratch_;
};

}  // namespace pmlab::core
