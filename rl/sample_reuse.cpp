#include "rl/sample_reuse.h"

#include <algorithm>

namespace pmlab::rl {

void KeptBatch::Keep(const EpisodeBatch& batch, const BatchGradient& weighed, Policy<float>& policy,
                     const Eigen::Ref<const core::Vector>& params, int environments) {
  inputs_ = batch.inputs;
  actions_ = batch.actions;
  weights_ = weighed.weights().cast<float>();
  targets_ = weighed.targets();
  values_ = weighed.values();
  environments_ = environments;
  policy.LogProbabilities(params, inputs_, actions_, old_log_probs_, entropies_);
  entropy_mean_ = entropies_.size() > 0 ? entropies_.cast<double>().mean() : 0.0;
  order_.resize(static_cast<std::size_t>(inputs_.cols()));
  for (std::size_t j = 0; j < order_.size(); ++j) order_[j] = static_cast<Eigen::Index>(j);
}

void KeptBatch::Shuffle(int minibatches, core::Rng& rng) {
  if (minibatches == 1) return;
  rng.Shuffle(order_.begin(), order_.end());  // the worker's stream: the same order on any thread
}

SampleBatch KeptBatch::Minibatch(int m, int minibatches, MinibatchStorage& into) const {
  if (minibatches == 1) return {inputs_, actions_, weights_, targets_, old_log_probs_, values_};
  const Eigen::Index n = size();
  const Eigen::Index begin = n * m / minibatches, end = n * (m + 1) / minibatches;
  const Eigen::Index b = end - begin;
  into.inputs.resize(inputs_.rows(), b);
  into.actions.resize(actions_.rows(), b);
  into.weights.resize(b);
  into.old_log_probs.resize(b);
  into.targets.resize(b);
  into.old_values.resize(b);
  for (Eigen::Index k = 0; k < b; ++k) {
    const Eigen::Index j = order_[static_cast<std::size_t>(begin + k)];
    into.inputs.col(k) = inputs_.col(j);
    into.actions.col(k) = actions_.col(j);
    into.weights[k] = weights_[j];
    into.old_log_probs[k] = old_log_probs_[j];
    into.targets[k] = targets_[j];
    into.old_values[k] = values_[j];
  }
  return {into.inputs, into.actions, into.weights, into.targets, into.old_log_probs, into.old_values};
}

double KeptBatch::Divisor(Eigen::Index size, bool per_step) const {
  const auto b = static_cast<double>(std::max<Eigen::Index>(size, 1));
  if (per_step) return b;
  return static_cast<double>(environments_) * b / static_cast<double>(std::max<Eigen::Index>(this->size(), 1));
}

}  // namespace pmlab::rl
