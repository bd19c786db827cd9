#pragma once
// The TBB pool that runs the logical workers. Threads are an execution resource only: each
// logical worker owns its RNG stream and writes into its own output slot, and every reduction
// happens afterwards in worker order, so results never depend on the number of threads.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "core/opt/types.h"

namespace pmlab::core {

/// The threads that run the logical workers (TBB), in a fixed order of results.
class WorkerPool {
 public:
  /// `threads` = 0 uses every hardware thread.
  explicit WorkerPool(int threads);

  /// Threads it runs on.
  int threads() const { return arena_.max_concurrency(); }

  /// Runs body(i) for i in [0, n), one index per task.
  template <typename F>
  void ForEach(Index n, F&& body) {
#ifdef __SANITIZE_THREAD__
    // ThreadSanitizer cannot see the synchronisation inside the uninstrumented libtbb, so it
    // would flag every hand-off between TBB threads. Under TSan the same bodies run on plain
    // threads with fork/join that TSan understands, which checks what matters: the sharing of
    // data between workers.
    std::atomic<Index> next{0};
    const auto drain = [&] {
      for (Index i = next++; i < n; i = next++) body(i);
    };
    std::vector<std::thread> helpers;
    for (int t = 1; t < std::min<Index>(threads(), n); ++t) helpers.emplace_back(drain);
    drain();
    for (auto& h : helpers) h.join();
#else
    arena_.execute([&] {
      tbb::parallel_for(tbb::blocked_range<Index>(0, n, 1), [&](const tbb::blocked_range<Index>& r) {
        for (Index i = r.begin(); i != r.end(); ++i) body(i);
      });
    });
#endif
  }

  /// Runs body(begin, end) over [0, n) cut into blocks of `block` indices. The cut does not
  /// depend on the thread count, so element-wise work in `body` stays deterministic.
  template <typename F>
  void ForEachBlock(Index n, Index block, F&& body) {
    const Index blocks = (n + block - 1) / block;
    ForEach(blocks, [&](Index b) { body(b * block, std::min(n, (b + 1) * block)); });
  }

 private:
  tbb::task_arena arena_;
};

}  // namespace pmlab::core
