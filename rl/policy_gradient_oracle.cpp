#include "rl/policy_gradient_oracle.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <cereal/types/optional.hpp>

#include "envs/registry.h"
#include "rl/reuse_bias.h"

namespace pmlab::rl {
Sampler::Sampler(const RolloutOptions& r, const PolicyOptions& p, const PolicyGradientOracle& oracle)
    : rollout(r), policy(MakePolicy<float>(p, rollout.observation_space(), rollout.action_space())), gradient(oracle.MakeBatchGradient()) {}

PolicyGradientOracle::PolicyGradientOracle(const PolicyGradientOptions& o, int workers, std::optional<double> solved_at)
    : PolicyGradientOracle(o, workers, solved_at, *envs::MakeEnvironment(o.rollout.env)) {}

PolicyGradientOracle::PolicyGradientOracle(const PolicyGradientOptions& o, int workers, std::optional<double> solved_at,
                                           const envs::Environment& probe)
    : options_(o),
      solved_at_(solved_at),
      observation_space_(probe.observation_space()),
      action_space_(probe.action_space()),
      policy_size_(MakePolicy<float>(o.policy, observation_space_, action_space_)->ParameterCount()),
      dimension_(policy_size_),
      normalizer_(observation_space_.Dimension(), o.normalize_observations),
      value_(observation_space_.Dimension(), o.rollout.horizon),
      value_targets_(1),
      return_moments_(1),
      value_network_(o.estimator.baseline == Baseline::kValue && !o.value_hidden.empty()),
      scratch_([this] { return Scratch(*this); }) {
  o.estimator.Validate();
  if (value_network_) dimension_ += ValueNetwork(observation_space_.Dimension(), o.value_hidden).ParameterCount();
  Slot slot;
  slot.moments = RunningMoments(observation_space_.Dimension());
  slot.targets = RunningMoments(1);
  slot.returns = RunningMoments(1);
  slot.normal = LinearValue::Normal(value_.Features());
  slots_.assign(static_cast<std::size_t>(workers), slot);
  if (o.Reuses()) kept_.resize(static_cast<std::size_t>(workers));
  if (o.rollout.persistent) collectors_.resize(static_cast<std::size_t>(workers));
}

RolloutCollector& PolicyGradientOracle::CollectorOf(int worker, Scratch& s) {
  if (!options_.rollout.persistent) return s.rollout;
  auto& own = collectors_[static_cast<std::size_t>(worker)];
  if (!own) own = std::make_unique<RolloutCollector>(options_.rollout);  // on the process that runs the worker
  return *own;
}

void PolicyGradientOracle::SaveWorkerState(int worker, core::ByteWriter& out) const {
  if (!options_.rollout.persistent) return;
  const auto& own = collectors_[static_cast<std::size_t>(worker)];
  out.Put<std::uint8_t>(own ? 1 : 0);  // 0: the worker has not stepped yet
  if (own) own->SaveState(out);
}

void PolicyGradientOracle::LoadWorkerState(int worker, core::ByteReader& in) {
  if (!options_.rollout.persistent) throw std::runtime_error("the checkpoint holds environments in mid-episode; this run's do not persist");
  auto& own = collectors_[static_cast<std::size_t>(worker)];
  own.reset();
  if (in.Get<std::uint8_t>() == 0) return;
  own = std::make_unique<RolloutCollector>(options_.rollout);
  own->LoadState(in);
}

void PolicyGradientOracle::MeasureReuseBiasEvery(std::int64_t every, int units, std::uint64_t seed, core::WorkerPool& pool) {
  reuse_bias_plan_ = {every, units, seed, &pool};
}

void PolicyGradientOracle::BeginStep(std::int64_t iteration, int step, const core::Vector& x) {
  step_ = step;
  const ReuseBiasPlan& plan = reuse_bias_plan_;
  if (plan.every == 0) return;
  const int minibatches = options_.reuse.minibatches;
  if (step == 0) {
    reuse_bias_.clear();
    if (iteration % plan.every != 0) return;
    round_start_ = x;
    reuse_bias_.assign(static_cast<std::size_t>(options_.reuse.epochs - 1), std::nullopt);
  } else if (!reuse_bias_.empty() && step % minibatches == 0) {
    const int epoch = step / minibatches;  // epochs done
    reuse_bias_[static_cast<std::size_t>(epoch - 1)] =
        MeasureReuseBias(options_, *this, round_start_, x, plan.units, plan.seed, iteration, epoch, *plan.pool);
  }
}

core::RoundPlan PolicyGradientOracle::Plan() const {
  if (!options_.Reuses()) return {};
  core::RoundPlan plan;
  plan.steps = options_.reuse.Steps();
  // Stable-Baselines3's rule: stop before a minibatch once the KL passes 1.5 x the target.
  if (options_.reuse.target_kl > 0) plan.stop_above = 1.5 * options_.reuse.target_kl;
  return plan;
}

core::Vector PolicyGradientOracle::Initial(core::Rng& rng) const {
  core::Vector x(dimension_);
  MakePolicy<float>(options_.policy, observation_space_, action_space_)->Initialize(rng, x.head(policy_size_));
  if (value_network_) ValueNetwork(observation_space_.Dimension(), options_.value_hidden).Initialize(rng, x.tail(dimension_ - policy_size_));
  return x;
}

GradientSetup PolicyGradientOracle::Setup() const {
  GradientSetup g;
  g.estimator = options_.estimator;
  g.entropy_coef = options_.entropy_coef;
  g.environments = options_.rollout.environments;
  g.linear_value = &value_;
  g.value_scale = ValueScale::Of(value_targets_);
  // Until the first iteration's targets are counted their scale is unknown: standardising by
  // (0, 1) would regress an untrained network onto raw returns, so the first step leaves it.
  g.value_coef = value_targets_.count > 0 ? options_.value_coef : 0;
  return g;
}

BatchGradient PolicyGradientOracle::MakeBatchGradient() const {
  if (!value_network_) return BatchGradient();
  return BatchGradient(std::make_unique<ValueNetwork>(observation_space_.Dimension(), options_.value_hidden));
}

bool PolicyGradientOracle::Draw(RolloutCollector& rollout, Scratch& s, Slot& slot, const core::Vector& x, core::Rng& rng) {
  if (!rollout.Collect(*s.policy, x.head(policy_size_), normalizer_, rng, options_.normalize_observations ? &slot.moments : nullptr))
    return false;
  slot.steps += rollout.observations().cols();
  for (const EpisodeSegment& ep : rollout.episodes()) {
    if (!ep.finished) continue;
    slot.return_min = slot.episodes ? std::min(slot.return_min, ep.total_reward) : ep.total_reward;
    slot.return_max = slot.episodes ? std::max(slot.return_max, ep.total_reward) : ep.total_reward;
    ++slot.episodes;
    slot.return_sum += ep.total_reward;
    slot.length_sum += ep.first_t + ep.length;
  }
  if (!options_.normalize_rewards) return true;
  // Scaled by the spread of the returns of earlier iterations (merged state, the same for
  // every worker and thread); this batch's returns join them at the iteration's end.
  const Eigen::VectorXd& returns = rollout.returns_so_far();
  if (returns.size() > 0) {
    RunningMoments batch(1);
    batch.count = returns.size();
    batch.mean[0] = returns.mean();
    batch.m2[0] = (returns.array() - batch.mean[0]).square().sum();
    slot.returns.Merge(batch);
  }
  const double scale = return_moments_.count > 0 ? 1 / std::sqrt(return_moments_.Variance()[0] + 1e-8) : 1.0;
  s.scaled_rewards = (rollout.rewards() * scale).cwiseMax(-PolicyGradientOptions::kRewardClip).cwiseMin(PolicyGradientOptions::kRewardClip);
  return true;
}

EpisodeBatch PolicyGradientOracle::Estimated(const RolloutCollector& rollout, const Scratch& s) const {
  const EpisodeBatch drawn = rollout.batch();
  if (!options_.normalize_rewards) return drawn;
  return {drawn.inputs, drawn.actions, s.scaled_rewards, drawn.episodes, drawn.last_inputs};
}

core::OracleResult PolicyGradientOracle::Estimate(int worker, const core::Vector& x, core::Rng& rng, Eigen::Ref<core::Vector> gradient) {
  if (options_.Reuses()) return EstimateReusing(worker, x, rng, gradient);
  Scratch& s = scratch_.local();
  Slot& slot = slots_[static_cast<std::size_t>(worker)];
  RolloutCollector& rollout = CollectorOf(worker, s);
  if (!Draw(rollout, s, slot, x, rng)) {
    gradient.setConstant(std::numeric_limits<float>::quiet_NaN());  // the run loop stops on it as diverged
    return {std::numeric_limits<double>::quiet_NaN()};
  }
  return {s.gradient.Compute(Setup(), *s.policy, x, Estimated(rollout, s), gradient, {&slot.normal, &slot.targets})};
}

core::OracleResult PolicyGradientOracle::EstimateReusing(int worker, const core::Vector& x, core::Rng& rng,
                                                         Eigen::Ref<core::Vector> gradient) {
  Scratch& s = scratch_.local();
  Slot& slot = slots_[static_cast<std::size_t>(worker)];
  KeptBatch& kept = kept_[static_cast<std::size_t>(worker)];
  const GradientSetup setup = Setup();
  if (step_ == 0) {
    RolloutCollector& rollout = CollectorOf(worker, s);
    if (!Draw(rollout, s, slot, x, rng)) {
      gradient.setConstant(std::numeric_limits<float>::quiet_NaN());
      return {std::numeric_limits<double>::quiet_NaN()};
    }
    s.gradient.Weigh(setup, x, Estimated(rollout, s), {&slot.normal, &slot.targets});
    kept.Keep(rollout.batch(), s.gradient, *s.policy, x.head(policy_size_), options_.rollout.environments);
    ReuseSums& sums = slot.reuse;
    sums.entropy += kept.entropy_mean();
    const Eigen::VectorXd& y = s.gradient.targets();
    const auto residual = y - s.gradient.values();
    sums.drawn += static_cast<double>(y.size());
    sums.y_sum += y.sum();
    sums.y_sq += y.squaredNorm();
    sums.residual_sum += residual.sum();
    sums.residual_sq += residual.squaredNorm();
  }
  const int minibatches = options_.reuse.minibatches;
  const int m = step_ % minibatches;
  if (m == 0) kept.Shuffle(minibatches, rng);
  const SampleBatch samples = kept.Minibatch(m, minibatches, s.minibatch);
  const Eigen::Index b = samples.inputs.cols();
  ReuseFigures figures;
  const double loss = s.gradient.ComputeOnSamples(setup, options_.estimator.estimator->reuse_clip(), *s.policy, x, samples,
                                                  kept.Divisor(b, options_.estimator.mean == GradientMean::kStep), gradient, figures);
  slot.reuse.kl_sum += figures.approx_kl;
  slot.reuse.clipped += figures.clipped;
  slot.reuse.reused += static_cast<double>(b);
  return {loss, b > 0 ? figures.approx_kl / static_cast<double>(b) : 0.0};
}

void PolicyGradientOracle::MergeWorkers(std::int64_t iteration, const core::Vector& /*x*/) {
  IterationEpisodes it;
  double return_sum = 0;
  std::int64_t length_sum = 0;
  ReuseSums reuse;
  LinearValue::Normal normal(value_.Features());
  for (Slot& slot : slots_) {
    normalizer_.moments().Merge(slot.moments);
    value_targets_.Merge(slot.targets);
    return_moments_.Merge(slot.returns);
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
    reuse += slot.reuse;
    slot.moments.Clear();
    slot.targets.Clear();
    slot.returns.Clear();
    slot.normal.Clear();
    slot.episodes = slot.steps = slot.length_sum = 0;
    slot.return_sum = 0;
    slot.reuse = {};
  }
  if (reuse.reused > 0) {
    it.approx_kl = reuse.kl_sum / reuse.reused;
    it.clip_fraction = reuse.clipped / reuse.reused;
    it.entropy = reuse.entropy / static_cast<double>(slots_.size());
    const double n = reuse.drawn;
    const double y_var = reuse.y_sq / n - (reuse.y_sum / n) * (reuse.y_sum / n);
    const double residual_var = reuse.residual_sq / n - (reuse.residual_sum / n) * (reuse.residual_sum / n);
    it.explained_variance = y_var > 0 ? 1 - residual_var / y_var : std::numeric_limits<double>::quiet_NaN();
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

void PolicyGradientOracle::SaveWorkerSlot(int worker, core::ByteWriter& out) const {
  const Slot& s = slots_[static_cast<std::size_t>(worker)];
  for (const RunningMoments* m : {&s.moments, &s.targets, &s.returns}) {
    out.Put(m->count);
    out.PutMatrix(m->mean);
    out.PutMatrix(m->m2);
  }
  out.PutMatrix(s.normal.xtx);
  out.PutMatrix(s.normal.xty);
  out.Put(s.episodes);
  out.Put(s.steps);
  out.Put(s.length_sum);
  out.Put(s.return_sum);
  out.Put(s.return_min);
  out.Put(s.return_max);
  out.Put(s.reuse);
}

void PolicyGradientOracle::LoadWorkerSlot(int worker, core::ByteReader& in) {
  Slot& s = slots_[static_cast<std::size_t>(worker)];
  for (RunningMoments* m : {&s.moments, &s.targets, &s.returns}) {
    m->count = in.Get<std::int64_t>();
    in.GetMatrix(m->mean);
    in.GetMatrix(m->m2);
  }
  in.GetMatrix(s.normal.xtx);
  in.GetMatrix(s.normal.xty);
  s.episodes = in.Get<std::int64_t>();
  s.steps = in.Get<std::int64_t>();
  s.length_sum = in.Get<std::int64_t>();
  s.return_sum = in.Get<double>();
  s.return_min = in.Get<double>();
  s.return_max = in.Get<double>();
  s.reuse = in.Get<ReuseSums>();
}

void PolicyGradientOracle::SaveState(core::CheckpointOutputArchive& ar) const {
  ar(normalizer_.moments(), value_.weights());
  ar(record_.episodes, record_.steps, record_.best_return, record_.last_return, record_.solved_iteration, record_.solved_steps);
  ar(value_targets_, return_moments_);
}

void PolicyGradientOracle::LoadState(core::CheckpointInputArchive& ar, std::uint32_t version) {
  if (version < 1 || version > 3) throw std::runtime_error("unknown RL state version " + std::to_string(version));
  RunningMoments moments, targets(1), returns(1);
  Eigen::VectorXd weights;
  EpisodeRecord record;
  ar(moments, weights);
  ar(record.episodes, record.steps, record.best_return, record.last_return, record.solved_iteration, record.solved_steps);
  if (version >= 2) ar(targets);
  if (version >= 3) ar(returns);
  for (const RunningMoments* m : {&targets, &returns})
    if (m->mean.size() != 1 || m->m2.size() != 1 || m->count < 0)
      throw std::runtime_error("the stored moments of the value targets or of the returns are not one-dimensional");
  if (moments.mean.size() != observation_space_.Dimension() || moments.m2.size() != moments.mean.size() || moments.count < 0)
    throw std::runtime_error("the stored observation statistics do not fit this environment");
  if (weights.size() != value_.Features()) throw std::runtime_error("the stored value function does not fit this environment");
  value_.set_weights(weights);
  normalizer_.moments() = moments;
  normalizer_.Refresh();
  value_targets_ = targets;
  return_moments_ = returns;
  record_ = record;
}

}  // namespace pmlab::rl
