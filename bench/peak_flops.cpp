#include "peak_flops.h"

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <vector>

namespace pmlab::bench {
namespace {

using Packet = Eigen::internal::packet_traits<float>::type;
constexpr int kLanes = Eigen::internal::packet_traits<float>::size;
// Independent accumulators: enough to hide a multiply-add's latency (4 cycles) on two ports
// twice over; each chain depends only on itself.
constexpr int kChains = 16;

// `repeats` rounds of one multiply-add per chain; the sum keeps the work from being discarded.
float Chains(long repeats) {
  Packet acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = Eigen::internal::pset1<Packet>(1e-3f * static_cast<float>(i));
  const Packet a = Eigen::internal::pset1<Packet>(0.999999f), b = Eigen::internal::pset1<Packet>(1e-6f);
  for (long r = 0; r < repeats; ++r) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) acc[i] = Eigen::internal::pmadd(acc[i], a, b);
  }
  Packet sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = Eigen::internal::padd(sum, acc[i]);
  return Eigen::internal::predux(sum);
}

}  // namespace

int VectorLanes() { return kLanes; }

double PeakFlops(core::WorkerPool& pool, double seconds) {
  using Clock = std::chrono::steady_clock;
  // More pieces than threads, so that a thread that wakes late still gets its share.
  const core::Index pieces = 8 * static_cast<core::Index>(pool.threads());
  const double per_repeat = 2.0 * kLanes * kChains;
  long repeats = 1 << 14;
  double best = 0;
  // Calibrated runs until each lasts a quarter of `seconds`, then the best of eight: a thread
  // that another process delays in one run does not set the peak.
  for (int run = 0; run < 8;) {
    std::vector<float> sums(static_cast<std::size_t>(pieces));
    const auto start = Clock::now();
    pool.ForEach(pieces, [&](core::Index i) { sums[static_cast<std::size_t>(i)] = Chains(repeats); });
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    volatile float kept = sums.front();  // the work is used
    (void)kept;
    if (elapsed < seconds / 4) {
      repeats *= 2;
      continue;
    }
    best = std::max(best, per_repeat * static_cast<double>(repeats) * static_cast<double>(pieces) / elapsed);
    ++run;
  }
  return best;
}

}  // namespace pmlab::bench
