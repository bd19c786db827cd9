// RMSprop (Tieleman & Hinton 2012) as a server rule: A2C's optimiser in Stable-Baselines3 and
// the original A3C. In PyTorch's arrangement (eps outside the root):
//   s <- alpha s + (1 - alpha) g^2,   x <- x - lr g / (sqrt(s) + eps),
// elementwise in float32, so a step is the same for any thread or process count.
#include "core/opt/momentum_server.h"

namespace pmlab::core {
namespace {

struct RmspropOptions {
  double alpha = 0.99;
  double eps = 1e-8;
};

class Rmsprop final : public ServerRule {
 public:
  explicit Rmsprop(const RmspropOptions& o) : o_(o) {}
  Buffers Keeps() const override { return {.u = true}; }
  void Step(float gamma, const Vector& g, MomentumState& state) const override {
    if (state.steps == 0) state.u.setZero(g.size());
    const auto a = static_cast<float>(o_.alpha), eps = static_cast<float>(o_.eps);
    state.u.array() = a * state.u.array() + (1.0f - a) * g.array().square();
    state.x.array() -= gamma * g.array() / (state.u.array().sqrt() + eps);
  }

 private:
  RmspropOptions o_;
};

PMLAB_REGISTER(ServerRules(), "rmsprop", "RMSprop (Tieleman & Hinton 2012): steps lr g / (sqrt(s) + eps), s a running mean of g^2",
               [](Spec& spec) {
                 RmspropOptions o;
                 spec.Number("alpha", &o.alpha, "decay of the mean of squares s, in [0, 1)");
                 spec.Number("eps", &o.eps, "added to sqrt(s), > 0");
                 if (!(o.alpha >= 0 && o.alpha < 1)) spec.Reject("alpha", "must be in [0, 1)");
                 if (!(o.eps > 0)) spec.Reject("eps", "must be > 0");
                 return [o](const MomentumOptions&) -> std::unique_ptr<ServerRule> { return std::make_unique<Rmsprop>(o); };
               });

}  // namespace
}  // namespace pmlab::core
