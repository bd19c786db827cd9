#include "core/opt/momentum_server.h"

#include <cmath>
#include <stdexcept>

#include "core/opt/flag_context.h"

namespace pmlab::core {
namespace {

// The paper's rule. With momentum at the workers the messages already carry it, and the server
// takes plain steps (beta = 1).
class MomentumRule final : public ServerRule {
 public:
  MomentumRule(double beta, bool nesterov) : beta_(beta), nesterov_(nesterov) {}
  Buffers Keeps() const override { return {.v = true}; }
  void Step(float gamma, const Vector& g, MomentumState& state) const override {
    AccumulateMomentum(beta_, state.steps == 0, g, state.v);
    if (nesterov_) {
      const auto b = static_cast<float>(beta_);
      state.x -= gamma * (b * g + (1.0f - b) * state.v);
    } else {
      state.x -= gamma * state.v;
    }
  }

 private:
  double beta_;
  bool nesterov_;
};

PMLAB_REGISTER(ServerRules(), "momentum",
               "the paper's heavy ball: v <- (1-beta) v + beta g, x <- x - lr v (--beta, --nesterov, --momentum-at)", [](Spec&) {
                 return [](const MomentumOptions& o) -> std::unique_ptr<ServerRule> {
                   const bool at_server = o.placement == MomentumPlacement::kServer;
                   return std::make_unique<MomentumRule>(at_server ? o.beta : 1.0, at_server && o.nesterov);
                 };
               });

}  // namespace

MomentumPlacement ParseMomentumPlacement(std::string_view spec) {
  if (spec == "server") return MomentumPlacement::kServer;
  if (spec == "worker") return MomentumPlacement::kWorker;
  throw std::invalid_argument("'" + std::string(spec) + "' is unknown (allowed: server, worker)");
}

std::string ToString(MomentumPlacement placement) { return placement == MomentumPlacement::kServer ? "server" : "worker"; }

bool MomentumOptions::MomentumAtServer() const {
  return placement == MomentumPlacement::kServer && ParseSpec(server).first == "momentum";
}

void MomentumOptions::Validate() const {
  if (!(lr > 0.0) || !std::isfinite(lr)) throw std::invalid_argument("--lr: must be a finite number > 0");
  if (!(beta > 0.0 && beta <= 1.0))
    throw std::invalid_argument("--beta: must be in (0, 1] (1 = biased gradient descent, 0.1 = momentum 0.9)");
  Within("--server", [&] { ServerRules().Check(server); });
  // Nesterov's look-ahead is a momentum step's; another rule at the server would drop it unseen.
  if (nesterov && placement == MomentumPlacement::kServer && !MomentumAtServer())
    throw std::invalid_argument("--nesterov: the server rule '" + server +
                                "' has no Nesterov variant; drop --nesterov, or use --server momentum, or --momentum-at worker");
}

ServerRuleRegistry& ServerRules() {
  static ServerRuleRegistry registry("server rule", "Server optimisers", "--server");
  return registry;
}

void AccumulateMomentum(double beta, bool first, const Eigen::Ref<const Vector>& g, Vector& v) {
  if (first) {
    v = g;
    return;
  }
  const auto b = static_cast<float>(beta);
  v = (1.0f - b) * v + b * g;
}

MomentumServer::MomentumServer(MomentumOptions options, std::int64_t total_iterations)
    : options_(std::move(options)), total_iterations_(total_iterations) {
  options_.Validate();
  rule_ = Within("--server", [&] { return ServerRules().Make(options_.server, options_); });
}

double MomentumServer::StepSize(const MomentumState& state) const {
  return options_.lr * options_.schedule.Factor(state.iteration, total_iterations_);
}

double MomentumServer::Step(const Vector& g, MomentumState& state) const {
  const double gamma = StepSize(state);
  rule_->Step(static_cast<float>(gamma), g, state);
  ++state.steps;
  return gamma;
}

}  // namespace pmlab::core
