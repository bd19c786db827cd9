#pragma once
// The processes of one job. A run's n logical workers are split over P processes in contiguous
// blocks of worker indices (process r runs workers [rn/P, (r+1)n/P)); process 0 is also the
// server, and the only one that writes files. Without MPI there is one process and every
// collective is a copy. The MPI implementation lives in core/mpi and is chosen by main().
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pmlab::core {

/// A block of worker indices [begin, end).
struct WorkerRange {
  int begin = 0;  ///< first worker
  int end = 0;    ///< one past the last worker
  /// Whether `worker` is in the block.
  bool Contains(int worker) const { return worker >= begin && worker < end; }
};

/// The processes of a job: which workers each runs, and the collectives of a round.
class Cluster {
 public:
  virtual ~Cluster() = default;
  /// This process's index, 0 for the server.
  virtual int rank() const = 0;
  /// Number of processes.
  virtual int size() const = 0;
  /// Whether this process is the server, the one that writes.
  bool is_root() const { return rank() == 0; }
  /// The workers process `rank` runs, out of `workers`.
  WorkerRange WorkersOf(int rank, int workers) const {
    return {static_cast<int>(std::int64_t{workers} * rank / size()), static_cast<int>(std::int64_t{workers} * (rank + 1) / size())};
  }

  /// Every process's `bytes`, in rank order, into `parts` at the root (left empty elsewhere).
  /// The strings of `parts` keep their capacity from one call to the next, so that a round's
  /// hundreds of megabytes land in memory already touched.
  virtual void Gather(std::string_view bytes, std::vector<std::string>& parts) = 0;
  /// The root's `bytes`, copied into every other process's `bytes`.
  virtual void Broadcast(std::string& bytes) = 0;
  /// The largest of every process's `value`, on every process.
  virtual int Max(int value) = 0;
  /// Bytes this process has sent to others so far.
  virtual std::uint64_t bytes_sent() const = 0;
  /// Stops every process of the job with exit code `code`, after an error in one of them that
  /// the others, waiting in a collective, cannot see. Returns only in a job of one process.
  virtual void Abort(int code) = 0;
};

/// The job of one process: rank 0 of 1.
class LocalCluster final : public Cluster {
 public:
  /// Always 0.
  int rank() const override { return 0; }
  /// Always 1.
  int size() const override { return 1; }
  void Gather(std::string_view bytes, std::vector<std::string>& parts) override {
    parts.resize(1);
    parts[0].assign(bytes);
  }
  void Broadcast(std::string& /*bytes*/) override {}
  int Max(int value) override { return value; }
  std::uint64_t bytes_sent() const override { return 0; }
  void Abort(int /*code*/) override {}
};

/// The job this process belongs to: a LocalCluster unless main() installed another.
Cluster& ThisJob();
/// Installs the job for ThisJob(); `job` must outlive every run.
void SetJob(Cluster& job);

}  // namespace pmlab::core
