#include "core/worker_pool.h"

#include <stdexcept>

#ifdef PMLAB_OPENBLAS
extern "C" void openblas_set_num_threads(int);
#endif

namespace pmlab::core {

WorkerPool::WorkerPool(int threads)
    : arena_(threads == 0 ? tbb::task_arena::automatic : threads) {
  if (threads < 0) throw std::invalid_argument("threads must be >= 0 (0 = all hardware threads)");
#ifdef PMLAB_OPENBLAS
  // Parallelism is over workers; a multi-threaded BLAS inside each worker would oversubscribe
  // the cores and make timings erratic.
  openblas_set_num_threads(1);
#endif
  arena_.initialize();
}

}  // namespace pmlab::core
