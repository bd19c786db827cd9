#include "metarl/meta_policy_oracle.h"

#include <cmath>
#include <stdexcept>

#include <cereal/types/optional.hpp>

namespace pmlab::rl {

MetaPolicyOracle::MetaPolicyOracle(const MetaPolicyProblemOptions& o, int workers)
    : options_(o), family_(envs::MakeEnvFamily(o.family)) {
  if (o.horizon < 0) throw std::invalid_argument("--horizon: must be at least 1 (or 0 for the environment's time limit)");
  if (o.episodes < 1) throw std::invalid_argument("--inner-episodes: must be at least 1");
  if (o.tasks_per_worker < 1) throw std::invalid_argument("each worker needs at least one task per round");
  // The family as one environment has the spaces and time limit every task shares.
  const auto probe = envs::MakeEnvironment(o.family);
  observation_space_ = probe->observation_space();
  action_space_ = probe->action_space();
  if (options_.horizon == 0) options_.horizon = probe->time_limit();
  options_.meta.horizon = options_.horizon;
  dimension_ = MakePolicy<float>(o.policy, observation_space_, action_space_)->ParameterCount();
  MakeEstimator();  // validates the estimator's options before any worker runs
  slots_.assign(static_cast<std::size_t>(workers), Slot{});
}

core::Vector MetaPolicyOracle::Initial(core::Rng& rng) const {
  core::Vector x(dimension_);
  MakePolicy<float>(options_.policy, observation_space_, action_space_)->Initialize(rng, x);
  return x;
}

RolloutOptions MetaPolicyOracle::TaskRollouts(const std::string& task) const {
  RolloutOptions r;
  r.env = task;
  r.horizon = options_.horizon;
  r.environments = options_.episodes;
  r.record_passes = true;
  return r;
}

MetaPolicyOptions MetaPolicyOracle::OtherEstimator(MetaPolicyAlgorithm algorithm) const {
  MetaPolicyOptions meta = options_.meta;
  meta.algorithm = algorithm;
  meta.dice_baseline = DiceBaseline::kMean;
  return meta;
}

MetaPolicyGradient MetaPolicyOracle::MakeEstimator(const MetaPolicyOptions& meta) const {
  return MetaPolicyGradient(MakePolicy<float>(options_.policy, observation_space_, action_space_), observation_space_.Dimension(), meta);
}

core::OracleResult MetaPolicyOracle::Estimate(int worker, const core::Vector& x, core::Rng& rng, Eigen::Ref<core::Vector> gradient) {
  auto& scratch = scratch_.local();
  if (!scratch) scratch = std::make_unique<Scratch>(Scratch{MakeEstimator(), core::Vector(x.size())});
  Slot& slot = slots_[static_cast<std::size_t>(worker)];
  const double baseline = last_return_.value_or(0.0);
  gradient.setZero();
  core::Vector& one = scratch->task_gradient;
  double loss = 0;
  for (int t = 0; t < options_.tasks_per_worker; ++t) {
    EnvironmentEpisodes task(TaskRollouts(family_->SampleTask(rng)));
    const double task_loss = scratch->estimator.Estimate(x, task, rng, baseline, one);
    loss += task_loss;
    slot.return_sum -= task_loss;
    ++slot.tasks;
    gradient += one;
  }
  gradient /= static_cast<float>(options_.tasks_per_worker);
  return {loss / options_.tasks_per_worker};
}

void MetaPolicyOracle::MergeWorkers(std::int64_t /*iteration*/, const core::Vector& /*x*/) {
  double sum = 0;
  std::int64_t tasks = 0;
  for (Slot& slot : slots_) {
    sum += slot.return_sum;
    tasks += slot.tasks;
    slot = Slot{};
  }
  if (tasks > 0) last_return_ = sum / static_cast<double>(tasks);
}

void MetaPolicyOracle::SaveWorkerSlot(int worker, core::ByteWriter& out) const {
  const Slot& s = slots_[static_cast<std::size_t>(worker)];
  out.Put(s.return_sum);
  out.Put(s.tasks);
}

void MetaPolicyOracle::LoadWorkerSlot(int worker, core::ByteReader& in) {
  Slot& s = slots_[static_cast<std::size_t>(worker)];
  s.return_sum = in.Get<double>();
  s.tasks = in.Get<std::int64_t>();
}

void MetaPolicyOracle::SaveState(core::CheckpointOutputArchive& ar) const { ar(last_return_); }

void MetaPolicyOracle::LoadState(core::CheckpointInputArchive& ar, std::uint32_t version) {
  if (version != 1) throw std::runtime_error("unknown meta-RL state version " + std::to_string(version));
  std::optional<double> last;
  ar(last);
  if (last && !std::isfinite(*last)) throw std::runtime_error("the stored mean adapted return is not finite");
  last_return_ = last;
}

}  // namespace pmlab::rl
