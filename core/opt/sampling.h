#pragma once
// Uniform sampling of k distinct indices out of n in one ordered pass (Knuth's Algorithm S,
// TAOCP vol. 2, 3.4.2): no scratch memory, exactly k picks, indices in increasing order.
#include <cstdint>

#include "core/opt/rng.h"
#include "core/opt/types.h"

namespace pmlab::core {

/// Calls `on_index(i, picked)` for every i in [0, n), with picked true for exactly k of them.
template <typename F>
void SelectionSample(Index n, Index k, Rng& rng, F&& on_index) {
  Index needed = k;
  for (Index i = 0; i < n; ++i) {
    const bool picked = needed > 0 && static_cast<Index>(rng.Below(static_cast<std::uint64_t>(n - i))) < needed;
    needed -= picked;
    on_index(i, picked);
  }
}

}  // namespace pmlab::core
