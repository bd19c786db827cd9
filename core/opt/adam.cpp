// Adam (Kingma & Ba, ICLR 2015) as a server rule: the optimiser PPO and most of deep RL train
// with, offered to compare the paper's momentum server against. In PyTorch's arrangement:
//   m <- b1 m + (1 - b1) g,   s <- b2 s + (1 - b2) g^2,
//   x <- x - (lr / c1) m / (sqrt(s) / sqrt(c2) + eps),   c_i = 1 - b_i^t (1 without correction),
// elementwise in float32, so a step is the same for any thread or process count.
#include <cmath>

#include "core/opt/momentum_server.h"

namespace pmlab::core {
namespace {

struct AdamOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  bool bias_correction = true;
};

class Adam final : public ServerRule {
 public:
  explicit Adam(const AdamOptions& o) : o_(o) {}
  Buffers Keeps() const override { return {.v = true, .u = true}; }
  void Step(float gamma, const Vector& g, MomentumState& state) const override {
    if (state.steps == 0) {
      state.v.setZero(g.size());
      state.u.setZero(g.size());
    }
    const auto b1 = static_cast<float>(o_.beta1), b2 = static_cast<float>(o_.beta2);
    state.v = b1 * state.v + (1.0f - b1) * g;
    state.u.array() = b2 * state.u.array() + (1.0f - b2) * g.array().square();
    // The corrections in double: b^t for t in the millions underflows gracefully there.
    const double t = static_cast<double>(state.steps + 1);
    const double c1 = o_.bias_correction ? 1.0 - std::pow(o_.beta1, t) : 1.0;
    const double c2 = o_.bias_correction ? 1.0 - std::pow(o_.beta2, t) : 1.0;
    const auto step = static_cast<float>(gamma / c1);
    const auto root_c2 = static_cast<float>(std::sqrt(c2));
    const auto eps = static_cast<float>(o_.eps);
    state.x.array() -= step * state.v.array() / (state.u.array().sqrt() / root_c2 + eps);
  }

 private:
  AdamOptions o_;
};

PMLAB_REGISTER(ServerRules(), "adam", "Adam (Kingma & Ba 2015): steps lr m / (sqrt(s) + eps) with moments m, s of g", [](Spec& spec) {
  AdamOptions o;
  spec.Number("beta1", &o.beta1, "decay of the first moment m, in [0, 1)");
  spec.Number("beta2", &o.beta2, "decay of the second moment s, in [0, 1)");
  spec.Number("eps", &o.eps, "added to sqrt(s), > 0");
  spec.Flag("bias_correction", &o.bias_correction, "divide the moments by 1 - beta^t");
  if (!(o.beta1 >= 0 && o.beta1 < 1)) spec.Reject("beta1", "must be in [0, 1)");
  if (!(o.beta2 >= 0 && o.beta2 < 1)) spec.Reject("beta2", "must be in [0, 1)");
  if (!(o.eps > 0)) spec.Reject("eps", "must be > 0");
  return [o](const MomentumOptions&) -> std::unique_ptr<ServerRule> { return std::make_unique<Adam>(o); };
});

}  // namespace
}  // namespace pmlab::core
