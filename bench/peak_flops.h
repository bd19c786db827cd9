#pragma once
// The machine's arithmetic limit, measured in the same process as the benchmarks that report
// their fraction of it: machines differ between sessions, so a figure is only comparable as a
// fraction of the peak measured beside it.
#include "core/opt/worker_pool.h"

namespace pmlab::bench {

/// FP32 lanes of the widest vector this build targets (Eigen's packet: 16 with AVX-512).
int VectorLanes();

/// FP32 FLOP/s that the pool's threads sustain on independent multiply-add chains at that
/// width (two FLOPs per lane and multiply-add): the best of eight runs of about `seconds` / 4.
double PeakFlops(core::WorkerPool& pool, double seconds = 0.4);

}  // namespace pmlab::bench
