#include "core/opt/clipping.h"

#include "core/opt/exact_number.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace pmlab::core {

Clipping Clipping::Parse(std::string_view spec) {
  const auto fail = [&](const std::string& why) {
    throw std::invalid_argument("clip '" + std::string(spec) + "': " + why + " (allowed: none, norm:TAU, value:TAU with TAU > 0)");
  };
  if (spec == "none") return {};
  const auto colon = spec.find(':');
  if (colon == std::string_view::npos) fail("missing ':TAU'");
  const std::string_view name = spec.substr(0, colon), arg = spec.substr(colon + 1);
  Clipping c;
  if (name == "norm") c.kind = Kind::kNorm;
  else if (name == "value") c.kind = Kind::kValue;
  else fail("unknown clipping '" + std::string(name) + "'");
  const auto tau = ParseNumber(arg);
  if (!tau || !(*tau > 0.0) || !std::isfinite(*tau)) fail("TAU must be a finite number > 0");
  c.tau = *tau;
  return c;
}

std::string Clipping::Spec() const {
  if (kind == Kind::kNone) return "none";
  return (kind == Kind::kNorm ? "norm:" : "value:") + FormatNumber(tau);
}

void Clipping::Apply(Eigen::Ref<Vector> g) const {
  switch (kind) {
    case Kind::kNone:
      return;
    case Kind::kNorm: {
      const double norm = g.cast<double>().norm();
      if (norm > tau) g *= static_cast<float>(tau / norm);
      return;
    }
    case Kind::kValue:
      g = g.cwiseMax(static_cast<float>(-tau)).cwiseMin(static_cast<float>(tau));
      return;
  }
}

}  // namespace pmlab::core
