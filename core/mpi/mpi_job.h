#pragma once
// The job as Open MPI runs it (cluster.h): one process per rank of MPI_COMM_WORLD, the
// collectives of a round as MPI gathers and broadcasts of bytes. MPI is called from the main
// thread only (MPI_THREAD_FUNNELED); the TBB pool never touches it. A rank that dies makes
// mpirun stop the whole job, so no collective waits for it forever.
#include <memory>

#include "core/opt/cluster.h"

namespace pmlab::core {

class MpiJob final : public Cluster {
 public:
  /// Joins the job when this process was started by mpirun (or another MPI launcher); null when
  /// it was started on its own, which then runs as a job of one process without touching MPI.
  static std::unique_ptr<MpiJob> JoinIfLaunched(int& argc, char**& argv);
  ~MpiJob() override;
  MpiJob(const MpiJob&) = delete;
  MpiJob& operator=(const MpiJob&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void Gather(std::string_view bytes, std::vector<std::string>& parts) override;
  void Broadcast(std::string& bytes) override;
  int Max(int value) override;
  std::uint64_t bytes_sent() const override { return bytes_sent_; }

  [[noreturn]] void Abort(int code) override;

 private:
  MpiJob(int rank, int size) : rank_(rank), size_(size) {}
  int rank_, size_;
  std::uint64_t bytes_sent_ = 0;
  std::string received_;  // the root's receive buffer, kept between rounds
};

}  // namespace pmlab::core
