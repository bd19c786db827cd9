#include "rl/policy.h"

#include <stdexcept>

#include "core/nn/mlp.h"
#include "rl/categorical_policy.h"
#include "rl/gaussian_policy.h"

namespace pmlab::rl {

std::vector<int> PolicyOptions::ParseNetwork(const std::string& spec) {
  if (spec == "linear") return {};
  if (spec.rfind("mlp:", 0) == 0) {
    std::vector<int> hidden = core::ParseHiddenWidths(spec.substr(4));
    if (!hidden.empty()) return hidden;
  }
  throw std::invalid_argument("'" + spec + "' is not a policy network (use linear or mlp:W1,W2,..., e.g. mlp:64,64)");
}

core::Activation PolicyOptions::ParseActivation(const std::string& name) {
  if (name == "tanh") return core::Activation::kTanh;
  if (name == "relu") return core::Activation::kRelu;
  throw std::invalid_argument("unknown activation '" + name + "' (tanh, relu)");
}

std::string PolicyOptions::NetworkSpec(const std::vector<int>& hidden) {
  if (hidden.empty()) return "linear";
  std::string spec = "mlp:";
  for (std::size_t i = 0; i < hidden.size(); ++i) spec += (i ? "," : "") + std::to_string(hidden[i]);
  return spec;
}

template <typename T>
std::unique_ptr<Policy<T>> MakePolicy(const PolicyOptions& o, const envs::Space& observations, const envs::Space& actions) {
  if (observations.IsDiscrete())
    throw std::invalid_argument("--env: its observations are discrete; pmlab's policies read a box of real numbers");
  const std::string& d = o.distribution;
  if (d != "auto" && d != "categorical" && d != "gaussian")
    throw std::invalid_argument("--action-dist: '" + d + "' is unknown (allowed: auto, categorical, gaussian)");
  const bool discrete = actions.IsDiscrete();
  if (d == "gaussian" && discrete)
    throw std::invalid_argument("--action-dist: a gaussian policy needs a box action space; this environment's is " +
                                actions.ToString() + " (use categorical or auto)");
  if (d == "categorical" && !discrete)
    throw std::invalid_argument("--action-dist: a categorical policy needs a discrete action space; this environment's is " +
                                actions.ToString() + " (use gaussian or auto)");
  if (discrete) return std::make_unique<CategoricalPolicy<T>>(observations.Dimension(), actions.discrete, o.hidden, o.activation);
  return std::make_unique<GaussianPolicy<T>>(observations.Dimension(), actions.Dimension(), o.hidden, static_cast<T>(o.initial_log_std),
                                             o.activation);
}

template std::unique_ptr<Policy<float>> MakePolicy<float>(const PolicyOptions&, const envs::Space&, const envs::Space&);
template std::unique_ptr<Policy<double>> MakePolicy<double>(const PolicyOptions&, const envs::Space&, const envs::Space&);

}  // namespace pmlab::rl
