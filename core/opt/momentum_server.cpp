#include "core/opt/momentum_server.h"

#include <cmath>
#include <stdexcept>

namespace pmlab::core {

MomentumPlacement ParseMomentumPlacement(std::string_view spec) {
  if (spec == "server") return MomentumPlacement::kServer;
  if (spec == "worker") return MomentumPlacement::kWorker;
  throw std::invalid_argument("'" + std::string(spec) + "' is unknown (allowed: server, worker)");
}

std::string ToString(MomentumPlacement placement) { return placement == MomentumPlacement::kServer ? "server" : "worker"; }

void MomentumOptions::Validate() const {
  if (!(lr > 0.0) || !std::isfinite(lr)) throw std::invalid_argument("--lr: must be a finite number > 0");
  if (!(beta > 0.0 && beta <= 1.0))
    throw std::invalid_argument("--beta: must be in (0, 1] (1 = biased gradient descent, 0.1 = momentum 0.9)");
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
}

double MomentumServer::StepSize(const MomentumState& state) const {
  return options_.lr * options_.schedule.Factor(state.iteration, total_iterations_);
}

double MomentumServer::Step(const Vector& g, MomentumState& state) const {
  // With momentum at the workers, the messages already carry it: the server does plain steps.
  const bool at_server = options_.placement == MomentumPlacement::kServer;
  const double beta = at_server ? options_.beta : 1.0;
  const double gamma = StepSize(state);
  AccumulateMomentum(beta, state.iteration == 0, g, state.v);
  const auto lr = static_cast<float>(gamma);
  if (at_server && options_.nesterov) {
    const auto b = static_cast<float>(beta);
    state.x -= lr * (b * g + (1.0f - b) * state.v);
  } else {
    state.x -= lr * state.v;
  }
  ++state.iteration;
  return gamma;
}

}  // namespace pmlab::core
