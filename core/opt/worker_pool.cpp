#include "core/opt/worker_pool.h"

#include <stdexcept>

namespace pmlab::core {

WorkerPool::WorkerPool(int threads)
    : arena_(threads == 0 ? tbb::task_arena::automatic : threads) {
  if (threads < 0) throw std::invalid_argument("threads must be >= 0 (0 = all hardware threads)");
  arena_.initialize();
}

}  // namespace pmlab::core
