#pragma once
// Gradient clipping applied by each worker before compression (the paper's operators T_i). The
// paper clips the global L2 norm per worker, min(1, tau/||g||) g, with tau in {1, 2, 5};
// per-coordinate clipping to [-tau, tau] is the other common biased operator. Clippers are
// registered by name like compressors, so a researcher adds one from their own file.
#include <memory>
#include <string>

#include "core/registry/registry.h"
#include "core/opt/types.h"

namespace pmlab::core {

/// A clipping operator: one object serves every worker concurrently, so Clip is const.
class Clipper {
 public:
  virtual ~Clipper() = default;
  /// The clipped `g`: `g` itself when clipping leaves it as it is (no copy), or else written to
  /// `work` and returned. `work` is scratch of any size and never aliases `g`.
  virtual const Vector& Clip(const Vector& g, Vector& work) const = 0;
};

/// The clippers, by name: none, norm, value, and whatever a program registers. A spec is
/// "norm:2" or "norm(tau=2)" (registry.h).
using ClipperRegistry = Registry<std::unique_ptr<Clipper>(Index dimension)>;
ClipperRegistry& Clippers();

/// The clipper of `spec` ("none", "norm:2") for vectors of length `dimension`; throws
/// std::invalid_argument naming an unknown clipper or a bad parameter.
std::unique_ptr<Clipper> MakeClipper(const std::string& spec, Index dimension);

}  // namespace pmlab::core
