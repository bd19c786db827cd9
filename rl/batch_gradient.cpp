#include "rl/batch_gradient.h"

#include <algorithm>

namespace pmlab::rl {

void TruncatedBatch::Assign(const EpisodeBatch& full, int horizon) {
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
    prefix.finished = true;
    if (cut) prefix.total_reward = rewards_.segment(at, length).sum();
    episodes_.push_back(prefix);
    at += length;
  }
}

double BatchGradient::Compute(const EstimatorOptions& estimator, double entropy_coef, int environments, const LinearValue& value,
                              Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, const EpisodeBatch& batch,
                              Eigen::Ref<core::Vector> gradient, LinearValue::Normal* fit) {
  const Eigen::Index n = batch.inputs.cols();
  const bool uses_value = estimator.baseline == Baseline::kValue;
  features_.resize(value.Features());
  values_.setZero(n);
  bootstrap_.setZero(static_cast<Eigen::Index>(batch.episodes.size()));
  if (uses_value) {
    for (std::size_t e = 0; e < batch.episodes.size(); ++e) {
      const EpisodeSegment& ep = batch.episodes[e];
      for (int t = 0; t < ep.length; ++t) {
        value.Features(batch.inputs.col(ep.start + t), t, features_);
        values_[ep.start + t] = value.Predict(features_);
      }
      value.Features(batch.last_inputs.col(static_cast<Eigen::Index>(e)), ep.length, features_);
      bootstrap_[static_cast<Eigen::Index>(e)] = value.Predict(features_);
    }
  }
  EstimatorWeights(estimator, batch.episodes, batch.rewards, values_, bootstrap_, weights_, targets_);
  if (fit) {
    for (const EpisodeSegment& ep : batch.episodes)
      for (int t = 0; t < ep.length; ++t) {
        value.Features(batch.inputs.col(ep.start + t), t, features_);
        fit->Add(features_, targets_[ep.start + t]);
      }
  }
  weights_float_ = weights_.cast<float>();
  const float surrogate = policy.Surrogate(params, batch.inputs, batch.actions, weights_float_, static_cast<float>(entropy_coef), gradient);
  const Eigen::Index divisor = estimator.mean == GradientMean::kStep ? std::max<Eigen::Index>(n, 1) : environments;
  const float scale = -1.0f / static_cast<float>(divisor);
  gradient *= scale;
  return static_cast<double>(scale * surrogate);
}

}  // namespace pmlab::rl
