#include "rl/batch_gradient.h"

#include <algorithm>
#include <cmath>

namespace pmlab::rl {

void StoredBatch::Assign(const EpisodeBatch& full, int horizon) {
  episodes_.clear();
  Eigen::Index n = 0;
  for (const EpisodeSegment& ep : full.episodes) n += std::min(ep.length, horizon);
  inputs_.resize(full.inputs.rows(), n);
  actions_.resize(full.actions.rows(), n);
  rewards_.resize(n);
  last_inputs_.resize(full.inputs.rows(), static_cast<Eigen::Index>(full.episodes.size()));
  Eigen::Index at = 0;
  for (std::size_t e = 0; e < full.episodes.size(); ++e) {
    const EpisodeSegment& ep = full.episodes[e];
    const bool cut = ep.length > horizon;
    const int length = cut ? horizon : ep.length;
    inputs_.middleCols(at, length) = full.inputs.middleCols(ep.start, length);
    actions_.middleCols(at, length) = full.actions.middleCols(ep.start, length);
    rewards_.segment(at, length) = full.rewards.segment(ep.start, length);
    last_inputs_.col(static_cast<Eigen::Index>(e)) =
        cut ? full.inputs.col(ep.start + horizon) : full.last_inputs.col(static_cast<Eigen::Index>(e));
    EpisodeSegment prefix = ep;
    prefix.start = at;
    prefix.length = length;
    prefix.terminated = ep.terminated && !cut;
    prefix.finished = ep.finished || cut;
    if (cut) prefix.total_reward = rewards_.segment(at, length).sum();
    episodes_.push_back(prefix);
    at += length;
  }
}

void PredictLinearValues(const LinearValue& value, const EpisodeBatch& batch, Eigen::VectorXd& features, Eigen::VectorXd& values,
                         Eigen::VectorXd& bootstrap) {
  features.resize(value.Features());
  values.resize(batch.inputs.cols());
  bootstrap.resize(static_cast<Eigen::Index>(batch.episodes.size()));
  for (std::size_t e = 0; e < batch.episodes.size(); ++e) {
    const EpisodeSegment& ep = batch.episodes[e];
    for (int t = 0; t < ep.length; ++t) {
      value.Features(batch.inputs.col(ep.start + t), ep.first_t + t, features);
      values[ep.start + t] = value.Predict(features);
    }
    value.Features(batch.last_inputs.col(static_cast<Eigen::Index>(e)), ep.first_t + ep.length, features);
    bootstrap[static_cast<Eigen::Index>(e)] = value.Predict(features);
  }
}

void AddLinearValueSamples(const LinearValue& value, const EpisodeBatch& batch, const Eigen::VectorXd& targets,
                           Eigen::VectorXd& features, LinearValue::Normal& normal) {
  features.resize(value.Features());
  for (const EpisodeSegment& ep : batch.episodes)
    for (int t = 0; t < ep.length; ++t) {
      value.Features(batch.inputs.col(ep.start + t), ep.first_t + t, features);
      normal.Add(features, targets[ep.start + t]);
    }
}

void BatchGradient::Weigh(const GradientSetup& setup, const Eigen::Ref<const core::Vector>& x, const EpisodeBatch& batch,
                          ValueSamples learn) {
  const Eigen::Index n = batch.inputs.cols();
  const bool uses_value = setup.estimator.baseline == Baseline::kValue;
  const bool uses_network = uses_value && network_;
  values_.setZero(n);
  bootstrap_.setZero(static_cast<Eigen::Index>(batch.episodes.size()));
  if (uses_network) {
    network_->Predict(x.tail(network_->ParameterCount()), batch.inputs, batch.last_inputs, setup.value_scale, values_, bootstrap_);
  } else if (uses_value) {
    PredictLinearValues(*setup.linear_value, batch, features_, values_, bootstrap_);
  }
  EstimatorWeights(setup.estimator, batch.episodes, batch.rewards, values_, bootstrap_, weights_, targets_);
  if (learn.normal && uses_value && !uses_network) AddLinearValueSamples(*setup.linear_value, batch, targets_, features_, *learn.normal);
  if (learn.targets && uses_network && n > 0) {
    // The batch's own moments, merged in one step (Chan et al.), as a per-step update would give.
    RunningMoments moments(1);
    moments.count = n;
    moments.mean[0] = targets_.mean();
    moments.m2[0] = (targets_.array() - moments.mean[0]).square().sum();
    learn.targets->Merge(moments);
  }
}

void BatchGradient::ValueGradient(const GradientSetup& setup, const Eigen::Ref<const core::Vector>& x, const core::Matrix& inputs,
                                  const Eigen::VectorXd& targets, double divisor, Eigen::Ref<core::Vector> gradient,
                                  const Eigen::VectorXd* keep) {
  if (!network_) return;
  auto value_gradient = gradient.tail(network_->ParameterCount());
  if (setup.estimator.baseline == Baseline::kValue)
    network_->LossGradient(x.tail(network_->ParameterCount()), inputs, targets, setup.value_scale, setup.value_coef / divisor,
                           value_gradient, keep);
  else
    value_gradient.setZero();
}

double BatchGradient::Compute(const GradientSetup& setup, Policy<float>& policy, const Eigen::Ref<const core::Vector>& x,
                              const EpisodeBatch& batch, Eigen::Ref<core::Vector> gradient, ValueSamples learn) {
  const Eigen::Index n = batch.inputs.cols();
  const core::Index policy_size = policy.ParameterCount();
  Weigh(setup, x, batch, learn);
  weights_float_ = weights_.cast<float>();
  auto policy_gradient = gradient.head(policy_size);
  const float surrogate =
      policy.Surrogate(x.head(policy_size), batch.inputs, batch.actions, weights_float_, static_cast<float>(setup.entropy_coef), policy_gradient);
  const Eigen::Index divisor = setup.estimator.mean == GradientMean::kStep ? std::max<Eigen::Index>(n, 1) : setup.environments;
  const float scale = -1.0f / static_cast<float>(divisor);
  policy_gradient *= scale;
  ValueGradient(setup, x, batch.inputs, targets_, static_cast<double>(divisor), gradient);
  return static_cast<double>(scale * surrogate);
}

double BatchGradient::ComputeOnSamples(const GradientSetup& setup, ReuseClip clip, Policy<float>& policy,
                                       const Eigen::Ref<const core::Vector>& x, const SampleBatch& samples, double divisor,
                                       Eigen::Ref<core::Vector> gradient, ReuseFigures& figures) {
  const Eigen::Index n = samples.inputs.cols();
  const core::Index policy_size = policy.ParameterCount();
  const auto params = x.head(policy_size);
  const auto entropy_weight = static_cast<float>(setup.entropy_coef);
  double objective = 0;
  if (clip.ratio > 0) {
    // PPO's min(r A, clip(r, 1 - e, 1 + e) A): its gradient is A r grad log pi where the
    // unclipped term is the smaller or the ratio is inside the band, and 0 elsewhere.
    policy.LogProbabilities(params, samples.inputs, samples.actions, log_probs_, entropies_);
    weights_float_.resize(n);
    const double low = 1 - clip.ratio, high = 1 + clip.ratio;
    for (Eigen::Index j = 0; j < n; ++j) {
      const double log_ratio = static_cast<double>(log_probs_[j]) - static_cast<double>(samples.old_log_probs[j]);
      const float ratio = std::exp(log_probs_[j] - samples.old_log_probs[j]);
      const double a = samples.weights[j];
      const bool outside = a >= 0 ? ratio > high : ratio < low;
      weights_float_[j] = outside ? 0.0f : samples.weights[j] * ratio;
      objective += std::min(ratio * a, std::clamp(static_cast<double>(ratio), low, high) * a);
      figures.approx_kl += std::expm1(log_ratio) - log_ratio;
      figures.clipped += (ratio < low || ratio > high) ? 1 : 0;
    }
    // The surrogate's own value is of log pi; the objective reported is PPO's.
    const float with_entropy = policy.Surrogate(params, samples.inputs, samples.actions, weights_float_, entropy_weight, gradient.head(policy_size));
    objective += entropy_weight != 0 ? static_cast<double>(with_entropy) - static_cast<double>(weights_float_.dot(log_probs_)) : 0.0;
  } else {
    objective = policy.Surrogate(params, samples.inputs, samples.actions, samples.weights, entropy_weight, gradient.head(policy_size));
  }
  const float scale = -1.0f / static_cast<float>(divisor);
  gradient.head(policy_size) *= scale;
  const bool clips_values = network_ && setup.estimator.baseline == Baseline::kValue && clip.value > 0;
  if (network_ && setup.estimator.baseline == Baseline::kValue) {
    no_ends_.resize(samples.inputs.rows(), 0);
    network_->Predict(x.tail(network_->ParameterCount()), samples.inputs, no_ends_, setup.value_scale, values_, bootstrap_);
    if (clips_values) {
      // max((V - y)^2, (Vc - y)^2) with Vc = V_old + clip(V - V_old, -c, c): inside the band the
      // two agree; outside it Vc is constant in x, so the gradient is V's where V is the farther
      // from y and none where Vc is.
      keep_.resize(n);
      for (Eigen::Index j = 0; j < n; ++j) {
        const double v = values_[j], old = samples.old_values[j], y = samples.targets[j];
        const double clipped = old + std::clamp(v - old, -clip.value, clip.value);
        keep_[j] = (clipped == v || std::abs(v - y) >= std::abs(clipped - y)) ? 1.0 : 0.0;
      }
    }
  }
  ValueGradient(setup, x, samples.inputs, samples.targets, divisor, gradient, clips_values ? &keep_ : nullptr);
  return static_cast<double>(scale) * objective;
}

}  // namespace pmlab::rl
