#include "rl/policy_gradient_oracle.h"

#include <algorithm>
#include <cmath>

#include <cereal/types/optional.hpp>

#include "envs/registry.h"

namespace pmlab::rl {
PolicyGradientOracle::Scratch::Scratch(const PolicyGradientOptions& o, const envs::Space& observations, const envs::Space& actions)
    : rollout(o.rollout), policy(MakePolicy<float>(o.policy, observations, actions)) {}

PolicyGradientOracle::PolicyGradientOracle(const PolicyGradientOptions& o, int workers, std::optional<double> solved_at)
    : PolicyGradientOracle(o, workers, solved_at, *envs::MakeEnvironment(o.rollout.env)) {}

PolicyGradientOracle::PolicyGradientOracle(const PolicyGradientOptions& o, int workers, std::optional<double> solved_at,
                                           const envs::Environment& probe)
    : options_(o),
      solved_at_(solved_at),
      observation_space_(probe.observation_space()),
      action_space_(probe.action_space()),
      dimension_(MakePolicy<float>(o.policy, observation_space_, action_space_)->ParameterCount()),
      normalizer_(observation_space_.Dimension(), o.normalize_observations),
      value_(observation_space_.Dimension(), o.rollout.horizon),
      scratch_(o, observation_space_, action_space_) {
  o.estimator.Validate();
  Slot slot;
  slot.moments = RunningMoments(observation_space_.Dimension());
  slot.normal = LinearValue::Normal(value_.Features());
  slots_.assign(static_cast<std::size_t>(workers), slot);
}

core::Vector PolicyGradientOracle::Initial(core::Rng& rng) const {
  core::Vector x(dimension_);
  MakePolicy<float>(options_.policy, observation_space_, action_space_)->Initialize(rng, x);
  return x;
}

core::OracleResult PolicyGradientOracle::Estimate(int worker, const core::Vector& x, core::Rng& rng, Eigen::Ref<core::Vector> gradient) {
  Scratch& s = scratch_.local();
  Slot& slot = slots_[static_cast<std::size_t>(worker)];
  s.rollout.Collect(*s.policy, x, normalizer_, rng, options_.normalize_observations ? &slot.moments : nullptr);
  const double loss = s.gradient.Compute(options_.estimator, options_.entropy_coef, options_.rollout.environments, value_,
                                         *s.policy, x, s.rollout.batch(), gradient,
                                         options_.estimator.baseline == Baseline::kValue ? &slot.normal : nullptr);
  slot.steps += s.rollout.observations().cols();
  for (const EpisodeSegment& ep : s.rollout.episodes()) {
    if (!ep.finished) continue;
    slot.return_min = slot.episodes ? std::min(slot.return_min, ep.total_reward) : ep.total_reward;
    slot.return_max = slot.episodes ? std::max(slot.return_max, ep.total_reward) : ep.total_reward;
    ++slot.episodes;
    slot.return_sum += ep.total_reward;
    slot.length_sum += ep.length;
  }
  return {loss};
}

void PolicyGradientOracle::MergeWorkers(std::int64_t iteration, const core::Vector& /*x*/) {
  IterationEpisodes it;
  double return_sum = 0;
  std::int64_t length_sum = 0;
  LinearValue::Normal normal(value_.Features());
  for (Slot& slot : slots_) {
    normalizer_.moments().Merge(slot.moments);
    normal.xtx += slot.normal.xtx;
    normal.xty += slot.normal.xty;
    if (slot.episodes > 0) {
      it.return_min = it.episodes ? std::min(it.return_min, slot.return_min) : slot.return_min;
      it.return_max = it.episodes ? std::max(it.return_max, slot.return_max) : slot.return_max;
    }
    it.episodes += slot.episodes;
    it.steps += slot.steps;
    return_sum += slot.return_sum;
    length_sum += slot.length_sum;
    slot.moments.Clear();
    slot.normal.Clear();
    slot.episodes = slot.steps = slot.length_sum = 0;
    slot.return_sum = 0;
  }
  if (options_.normalize_observations) normalizer_.Refresh();
  if (options_.estimator.baseline == Baseline::kValue) value_.Fit(normal);
  if (it.episodes > 0) {
    it.return_mean = return_sum / static_cast<double>(it.episodes);
    it.length_mean = static_cast<double>(length_sum) / static_cast<double>(it.episodes);
  }
  last_ = it;
  record_.episodes += it.episodes;
  record_.steps += it.steps;
  if (it.episodes > 0) {
    record_.last_return = it.return_mean;
    if (!record_.best_return || it.return_mean > *record_.best_return) record_.best_return = it.return_mean;
    if (solved_at_ && !record_.solved_iteration && it.return_mean >= *solved_at_) {
      record_.solved_iteration = iteration;
      record_.solved_steps = record_.steps;
    }
  }
}

void PolicyGradientOracle::SaveState(core::CheckpointOutputArchive& ar) const {
  ar(normalizer_.moments(), value_.weights());
  ar(record_.episodes, record_.steps, record_.best_return, record_.last_return, record_.solved_iteration, record_.solved_steps);
}

void PolicyGradientOracle::LoadState(core::CheckpointInputArchive& ar, std::uint32_t version) {
  if (version != 1) throw std::runtime_error("unknown RL state version " + std::to_string(version));
  RunningMoments moments;
  Eigen::VectorXd weights;
  EpisodeRecord record;
  ar(moments, weights);
  ar(record.episodes, record.steps, record.best_return, record.last_return, record.solved_iteration, record.solved_steps);
  if (moments.mean.size() != observation_space_.Dimension() || moments.m2.size() != moments.mean.size() || moments.count < 0)
    throw std::runtime_error("the stored observation statistics do not fit this environment");
  if (weights.size() != value_.Features()) throw std::runtime_error("the stored value function does not fit this environment");
  value_.set_weights(weights);
  normalizer_.moments() = moments;
  normalizer_.Refresh();
  record_ = record;
}

}  // namespace pmlab::rl
