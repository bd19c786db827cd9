#include "core/mpi/mpi_job.h"

#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <stdexcept>

namespace pmlab::core {
namespace {

bool LaunchedByMpi() {
  // Open MPI's, then PMIx's and the PMI of MPICH's launchers.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(name)) return true;
  return false;
}

int Count(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(INT_MAX))
    throw std::runtime_error("one round's data from one process exceeds 2 GiB; run with more processes");
  return static_cast<int>(bytes);
}

}  // namespace

std::unique_ptr<MpiJob> MpiJob::JoinIfLaunched(int& argc, char**& argv) {
  if (!LaunchedByMpi()) return nullptr;
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<MpiJob>(new MpiJob(rank, size));
}

MpiJob::~MpiJob() { MPI_Finalize(); }

void MpiJob::Gather(std::string_view bytes, std::vector<std::string>& parts) {
  const int mine = Count(bytes.size());
  std::vector<int> counts(is_root() ? size_ : 0), offsets(counts.size());
  MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (is_root()) {
    std::size_t total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[r] = Count(total);
      total += static_cast<std::size_t>(counts[r]);
    }
    received_.resize(total);
  } else {
    bytes_sent_ += bytes.size();
  }
  MPI_Gatherv(bytes.data(), mine, MPI_BYTE, received_.data(), counts.data(), offsets.data(), MPI_BYTE, 0, MPI_COMM_WORLD);
  parts.resize(counts.size());
  for (std::size_t r = 0; r < counts.size(); ++r) parts[r].assign(received_, static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(counts[r]));
}

void MpiJob::Broadcast(std::string& bytes) {
  int size = Count(bytes.size());
  MPI_Bcast(&size, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (is_root()) bytes_sent_ += bytes.size() * static_cast<std::size_t>(size_ - 1);
  else bytes.resize(static_cast<std::size_t>(size));
  MPI_Bcast(bytes.data(), size, MPI_BYTE, 0, MPI_COMM_WORLD);
}

int MpiJob::Max(int value) {
  int max = value;
  MPI_Allreduce(&value, &max, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return max;
}

void MpiJob::Abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace pmlab::core
