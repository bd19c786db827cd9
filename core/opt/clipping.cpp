#include "core/opt/clipping.h"

#include <limits>

#include "core/opt/exact_number.h"
#include "core/opt/flag_context.h"

namespace pmlab::core {
namespace {

class NoClipping final : public Clipper {
 public:
  const Vector& Clip(const Vector& g, Vector& /*work*/) const override { return g; }
};

class NormClipping final : public Clipper {
 public:
  explicit NormClipping(double tau) : tau_(tau) {}
  const Vector& Clip(const Vector& g, Vector& work) const override {
    const double norm = g.cast<double>().norm();
    if (norm <= tau_) return g;
    work = g * static_cast<float>(tau_ / norm);
    return work;
  }

 private:
  double tau_;
};

class ValueClipping final : public Clipper {
 public:
  explicit ValueClipping(double tau) : tau_(static_cast<float>(tau)) {}
  const Vector& Clip(const Vector& g, Vector& work) const override {
    work = g.cwiseMax(-tau_).cwiseMin(tau_);
    return work;
  }

 private:
  float tau_;
};

// Binds the threshold both clippers take: required, finite and > 0.
double Threshold(Spec& spec) {
  double tau = std::numeric_limits<double>::quiet_NaN();
  spec.Number("tau", &tau, "the threshold TAU > 0");
  if (!spec.describing() && !(tau > 0)) spec.Reject("tau", "must be > 0, not " + FormatNumber(tau));
  return tau;
}

PMLAB_REGISTER(Clippers(), "none", "the gradient as it is", [](Spec&) {
  return [](Index) -> std::unique_ptr<Clipper> { return std::make_unique<NoClipping>(); };
});

PMLAB_REGISTER(Clippers(), "norm", "rescaled to L2 norm at most tau: min(1, tau/||g||) g (the paper)", [](Spec& spec) {
  const double tau = Threshold(spec);
  return [tau](Index) -> std::unique_ptr<Clipper> { return std::make_unique<NormClipping>(tau); };
});

PMLAB_REGISTER(Clippers(), "value", "each coordinate clamped to [-tau, tau]", [](Spec& spec) {
  const double tau = Threshold(spec);
  return [tau](Index) -> std::unique_ptr<Clipper> { return std::make_unique<ValueClipping>(tau); };
});

}  // namespace

ClipperRegistry& Clippers() {
  static ClipperRegistry registry("clipper", "Clippers", "--clip");
  return registry;
}

std::unique_ptr<Clipper> MakeClipper(const std::string& spec, Index dimension) {
  return Within("clip '" + spec + "'", [&] { return Clippers().Make(spec, dimension); });
}

}  // namespace pmlab::core
