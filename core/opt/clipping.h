#pragma once
// Gradient clipping applied by each worker before compression. The paper clips the global L2
// norm per worker, min(1, tau/||g||) g, with tau in {1, 2, 5}; per-coordinate clipping to
// [-tau, tau] is the other common biased operator.
#include <string>
#include <string_view>

#include "core/opt/types.h"

namespace pmlab::core {

/// Clipping of a worker's vector before compression (the paper's operator T_i).
struct Clipping {
  /// none, norm:TAU (rescale to norm at most TAU) or value:TAU (clamp each coordinate)
  enum class Kind { kNone, kNorm, kValue };
  Kind kind = Kind::kNone;  ///< none | norm | value
  double tau = 0.0;         ///< threshold tau > 0 (unused for kNone)

  /// Parses none | norm:TAU | value:TAU; throws std::invalid_argument naming what is allowed.
  static Clipping Parse(std::string_view spec);
  /// The text Parse reads back to this clipping.
  std::string Spec() const;

  /// Clips `g` in place.
  void Apply(Eigen::Ref<Vector> g) const;
};

}  // namespace pmlab::core
