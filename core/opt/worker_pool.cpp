#include "core/opt/worker_pool.h"

#include <tbb/info.h>

#include <algorithm>
#include <stdexcept>

namespace pmlab::core {
namespace {

// No more threads than the cores this process may run on: mpirun, for one, binds each process
// to a single core by default, and TBB would then warn and run one thread anyway. Results do not
// depend on the thread count, so the cap changes only speed; summary.json reports the threads used.
int Usable(int threads) {
  if (threads < 0) throw std::invalid_argument("threads must be >= 0 (0 = all hardware threads)");
  const int cores = tbb::info::default_concurrency();  // within the process's CPU affinity
  return threads == 0 ? cores : std::min(threads, cores);
}

}  // namespace

WorkerPool::WorkerPool(int threads) : arena_(Usable(threads)) { arena_.initialize(); }

}  // namespace pmlab::core
