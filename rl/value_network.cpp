#include "rl/value_network.h"

#include <cmath>
#include <stdexcept>

#include "rl/policy_network.h"

namespace pmlab::rl {

ValueScale ValueScale::Of(const RunningMoments& targets) {
  if (targets.count == 0) return {};
  // A floor on the spread keeps constant targets (every reward 0 so far) from dividing by 0.
  return {targets.mean[0], std::max(std::sqrt(targets.Variance()[0]), 1e-6)};
}

namespace {
core::MlpShape ValueShape(int observations, const std::vector<int>& hidden) {
  if (hidden.empty()) throw std::invalid_argument("--value: a value network needs at least one hidden layer (or use linear)");
  return PolicyNetwork(observations, 1, hidden);
}
}  // namespace

ValueNetwork::ValueNetwork(int observations, const std::vector<int>& hidden)
    : steps_(ValueShape(observations, hidden), core::LossHead::kMeanSquaredError),
      ends_(steps_.shape(), core::LossHead::kMeanSquaredError) {}

void ValueNetwork::Initialize(core::Rng& rng, Eigen::Ref<core::Vector> params) const {
  core::Mlp<float>::Initialize(steps_.shape(), rng, params);
}

void ValueNetwork::Predict(const Eigen::Ref<const core::Vector>& params, const core::Matrix& steps, const core::Matrix& ends,
                           const ValueScale& scale, Eigen::VectorXd& values, Eigen::VectorXd& bootstrap) {
  outputs_ = steps_.Forward(params, steps).row(0).transpose().cast<double>();
  values = (outputs_.array() * scale.std + scale.mean).matrix();
  bootstrap = (ends_.Forward(params, ends).row(0).transpose().cast<double>().array() * scale.std + scale.mean).matrix();
}

double ValueNetwork::LossGradient(const Eigen::Ref<const core::Vector>& params, const core::Matrix& steps,
                                  const Eigen::VectorXd& targets, const ValueScale& scale, double c,
                                  Eigen::Ref<core::Vector> gradient, const Eigen::VectorXd* keep) {
  // Predict left v(s_t) in outputs_ and the activations in steps_; d loss / d v_t = c (v_t - z_t).
  residual_ = outputs_ - ((targets.array() - scale.mean) / scale.std).matrix();
  if (keep) residual_.array() *= keep->array();
  output_grad_ = (c * residual_).transpose().cast<float>();
  steps_.Backward(params, steps, output_grad_, gradient);
  return 0.5 * c * residual_.squaredNorm();
}

}  // namespace pmlab::rl
