// Lion (Chen et al., "Symbolic Discovery of Optimization Algorithms", 2023) as a server rule:
// the server steps along the sign of an interpolation of its momentum and the new average,
//   c = b1 m + (1 - b1) g,   x <- x - lr sign(c),   m <- b2 m + (1 - b2) g,
// so every coordinate moves by exactly lr: a biased step of the kind pmlab compares with the
// paper's momentum. The momentum m is the state's first buffer, which checkpoints save.
//
//   lion_lab train --problem quadratic --server lion --lr 0.01 --out runs/lion
//   lion_lab rl --env CartPole-v1 --server "lion(beta1=0.95)" --lr 0.001
#include <memory>

#include <pmlab/pmlab.h>

namespace {

using pmlab::core::MomentumState;
using pmlab::core::ServerRule;
using pmlab::core::Vector;

class Lion final : public ServerRule {
 public:
  Lion(double beta1, double beta2) : b1_(static_cast<float>(beta1)), b2_(static_cast<float>(beta2)) {}
  Buffers Keeps() const override { return {.v = true}; }
  void Step(float lr, const Vector& g, MomentumState& state) const override {
    if (state.steps == 0) state.v.setZero(g.size());  // buffers are empty before the first step
    state.x -= lr * (b1_ * state.v + (1.0f - b1_) * g).cwiseSign();
    state.v = b2_ * state.v + (1.0f - b2_) * g;
  }

 private:
  float b1_, b2_;
};

PMLAB_REGISTER(pmlab::core::ServerRules(), "lion", "Lion (Chen et al. 2023): x <- x - lr sign(b1 m + (1-b1) g)",
               [](pmlab::Spec& spec) {
                 double beta1 = 0.9, beta2 = 0.99;
                 spec.Number("beta1", &beta1, "weight of m in the sign, in [0, 1]");
                 spec.Number("beta2", &beta2, "decay of the momentum m, in [0, 1]");
                 if (!(beta1 >= 0 && beta1 <= 1)) spec.Reject("beta1", "must be in [0, 1]");
                 if (!(beta2 >= 0 && beta2 <= 1)) spec.Reject("beta2", "must be in [0, 1]");
                 return [beta1, beta2](const pmlab::core::MomentumOptions&) -> std::unique_ptr<ServerRule> {
                   return std::make_unique<Lion>(beta1, beta2);
                 };
               });

}  // namespace

int main(int argc, char** argv) { return pmlab::Main(argc, argv); }
