#include "rl/rollout.h"

#include <stdexcept>

#include "envs/registry.h"

namespace pmlab::rl {

RolloutCollector::RolloutCollector(const RolloutOptions& o) : options_(o) {
  if (o.horizon < 1) throw std::invalid_argument("--horizon: must be at least 1");
  if (o.environments < 1) throw std::invalid_argument("--episodes-per-worker: must be at least 1");
  if (o.steps_per_environment < 0) throw std::invalid_argument("--steps-per-worker: must be >= 0");
  if (o.persistent && o.steps_per_environment == 0)
    throw std::invalid_argument("--persistent-envs: episodes persist across a step budget; give --steps-per-worker");
  for (int b = 0; b < o.environments; ++b) envs_.push_back(envs::MakeEnvironment(o.env, static_cast<std::uint64_t>(b)));
  const envs::Environment& env = *envs_.front();
  observation_size_ = env.observation_space().Dimension();
  const int action_rows = env.action_space().Dimension();
  capacity_ = o.steps_per_environment > 0 ? o.steps_per_environment : o.horizon;
  env_actions_.assign(static_cast<std::size_t>(o.environments), Eigen::VectorXd(action_rows));
  lanes_.resize(static_cast<std::size_t>(o.environments));
  batch_inputs_.setZero(observation_size_, o.environments);
  batch_actions_.setZero(action_rows, o.environments);
  region_inputs_.resize(observation_size_, capacity_ * o.environments);
  region_actions_.resize(action_rows, capacity_ * o.environments);
  region_rewards_.resize(capacity_ * o.environments);
  if (o.return_discount > 0) region_returns_.resize(capacity_ * o.environments);
  last_observations_.resize(observation_size_, o.environments);
}

void RolloutCollector::StartEpisode(int b, const ObservationNormalizer& normalizer, core::Rng& rng, RunningMoments* moments) {
  Lane& lane = lanes_[static_cast<std::size_t>(b)];
  lane.seed = rng.NextU64();
  const Eigen::VectorXd& raw = envs_[static_cast<std::size_t>(b)]->Reset(lane.seed);
  if (moments) moments->Add(raw);
  normalizer.Normalize(raw, batch_inputs_.col(b));
  lane.start = lane.written;
  lane.t = 0;
  lane.first_t = 0;
  lane.total = 0;
  lane.discounted = 0;
  lane.active = true;
  lane.in_episode = true;
  lane.actions.clear();
}

void RolloutCollector::EndEpisode(int b, bool terminated, bool finished) {
  Lane& lane = lanes_[static_cast<std::size_t>(b)];
  const auto e = static_cast<Eigen::Index>(episodes_.size());
  episodes_.push_back({lane.start, lane.t - lane.first_t, terminated, finished, lane.total, lane.first_t});
  // An episode cut by the budget of persistent environments goes on in the next Collect.
  lane.in_episode = options_.persistent && !finished;
  episode_lane_.push_back(b);
  if (e >= last_observations_.cols()) last_observations_.conservativeResize(Eigen::NoChange, 2 * e + options_.environments);
  last_observations_.col(e) = batch_inputs_.col(b);
}

bool RolloutCollector::Collect(Policy<float>& policy, const Eigen::Ref<const core::Vector>& params,
                               const ObservationNormalizer& normalizer, core::Rng& rng, RunningMoments* moments) {
  const bool budget_mode = options_.steps_per_environment > 0;
  episodes_.clear();
  episode_lane_.clear();
  for (int b = 0; b < options_.environments; ++b) {
    Lane& lane = lanes_[static_cast<std::size_t>(b)];
    lane.written = lane.start = 0;
    if (!options_.persistent || !lane.in_episode) {
      StartEpisode(b, normalizer, rng, moments);
      continue;
    }
    // The episode goes on; its observation is read through this iteration's normaliser (its
    // raw value was counted in the moments when it was observed).
    lane.first_t = lane.t;
    lane.active = true;
    normalizer.Normalize(envs_[static_cast<std::size_t>(b)]->observation(), batch_inputs_.col(b));
  }
  // Every step multiplies the same weights: packed once for the rollout.
  policy.BeginActing(params, options_.environments);
  if (options_.record_passes) policy.RecordActing(capacity_ * options_.environments);
  struct Done {
    Policy<float>& policy;
    ~Done() { policy.DoneActing(); }
  } done{policy};
  for (int active = options_.environments; active > 0;) {
    // Ended lanes keep their last input: the policy acts on a fixed-size batch, which keeps
    // its buffers (and the stream's draws per step) the same from step to step.
    policy.Act(params, batch_inputs_, rng, false, batch_actions_);
    if (!batch_actions_.allFinite()) {
      Gather();
      return false;
    }
    for (int b = 0; b < options_.environments; ++b) {
      Lane& lane = lanes_[static_cast<std::size_t>(b)];
      if (!lane.active) continue;
      const Eigen::Index at = b * capacity_ + lane.written;
      region_inputs_.col(at) = batch_inputs_.col(b);
      region_actions_.col(at) = batch_actions_.col(b);
      Eigen::VectorXd& action = env_actions_[static_cast<std::size_t>(b)];
      action = batch_actions_.col(b).cast<double>();
      envs::Environment& env = *envs_[static_cast<std::size_t>(b)];
      const envs::StepResult step = env.Step(action);
      region_rewards_[at] = step.reward;
      if (options_.persistent) lane.actions.insert(lane.actions.end(), action.data(), action.data() + action.size());
      lane.total += step.reward;
      if (options_.return_discount > 0) region_returns_[at] = lane.discounted = options_.return_discount * lane.discounted + step.reward;
      ++lane.written;
      ++lane.t;
      if (moments) moments->Add(env.observation());
      normalizer.Normalize(env.observation(), batch_inputs_.col(b));
      const bool ended = step.terminated || step.truncated || lane.t >= options_.horizon;
      const bool out_of_steps = budget_mode && lane.written >= capacity_;
      if (!ended && !out_of_steps) continue;
      EndEpisode(b, step.terminated, ended);
      if (budget_mode && !out_of_steps) {
        StartEpisode(b, normalizer, rng, moments);
      } else {
        lane.active = false;
        --active;
      }
    }
  }
  Gather();
  if (options_.record_passes) {
    // A lane's w-th column of the batch was its column at step w: lanes act at every step from
    // the first until they are done.
    acting_columns_.resize(static_cast<std::size_t>(observations_.cols()));
    std::size_t c = 0;
    for (std::size_t b = 0; b < lanes_.size(); ++b)
      for (Eigen::Index w = 0; w < lanes_[b].written; ++w) acting_columns_[c++] = w * options_.environments + static_cast<Eigen::Index>(b);
  }
  return true;
}

void RolloutCollector::Gather() {
  std::vector<Eigen::Index> offset(lanes_.size() + 1, 0);
  for (std::size_t b = 0; b < lanes_.size(); ++b) offset[b + 1] = offset[b] + lanes_[b].written;
  const Eigen::Index n = offset.back();
  observations_.resize(observation_size_, n);
  actions_.resize(region_actions_.rows(), n);
  rewards_.resize(n);
  for (std::size_t b = 0; b < lanes_.size(); ++b) {
    const Eigen::Index from = static_cast<Eigen::Index>(b) * capacity_, count = lanes_[b].written;
    observations_.middleCols(offset[b], count) = region_inputs_.middleCols(from, count);
    actions_.middleCols(offset[b], count) = region_actions_.middleCols(from, count);
    rewards_.segment(offset[b], count) = region_rewards_.segment(from, count);
  }
  if (options_.return_discount > 0) {
    returns_.resize(n);
    for (std::size_t b = 0; b < lanes_.size(); ++b)
      returns_.segment(offset[b], lanes_[b].written) = region_returns_.segment(static_cast<Eigen::Index>(b) * capacity_, lanes_[b].written);
  }
  for (std::size_t e = 0; e < episodes_.size(); ++e) episodes_[e].start += offset[static_cast<std::size_t>(episode_lane_[e])];
  // Exactly one column per episode: a product over the spare columns of last_observations_,
  // whose count follows the worker's history on its thread, would round the used ones
  // differently from run to run.
  last_inputs_ = last_observations_.leftCols(static_cast<Eigen::Index>(episodes_.size()));
}

void RolloutCollector::SaveState(core::ByteWriter& out) const {
  out.Put<std::uint64_t>(lanes_.size());
  for (const Lane& lane : lanes_) {
    out.Put<std::uint8_t>(lane.in_episode ? 1 : 0);
    if (!lane.in_episode) continue;
    out.Put(lane.seed);
    out.Put<std::int64_t>(lane.t);
    out.Put(lane.discounted);
    out.Put<std::uint64_t>(lane.actions.size());
    out.PutBytes(lane.actions.data(), lane.actions.size() * sizeof(double));
  }
}

void RolloutCollector::LoadState(core::ByteReader& in) {
  if (in.Get<std::uint64_t>() != lanes_.size())
    throw std::runtime_error("the stored environments are not this run's " + std::to_string(lanes_.size()) + " per worker");
  for (std::size_t b = 0; b < lanes_.size(); ++b) {
    Lane& lane = lanes_[b];
    lane = Lane{};
    lane.in_episode = in.Get<std::uint8_t>() != 0;
    if (!lane.in_episode) continue;
    lane.seed = in.Get<std::uint64_t>();
    const auto t = in.Get<std::int64_t>();
    const auto discounted = in.Get<double>();
    const auto count = in.Get<std::uint64_t>();
    envs::Environment& env = *envs_[b];
    const auto rows = static_cast<std::uint64_t>(env_actions_[b].size());
    if (t < 1 || t >= options_.horizon || count != static_cast<std::uint64_t>(t) * rows || count * sizeof(double) > in.remaining())
      throw std::runtime_error("a stored episode does not fit this run's environments");
    lane.actions.resize(count);
    in.GetBytes(lane.actions.data(), count * sizeof(double));
    // Replays the episode: the same seed and actions give the same simulator, bit for bit.
    env.Reset(lane.seed);
    Eigen::VectorXd& action = env_actions_[b];
    for (std::int64_t k = 0; k < t; ++k) {
      if (env.episode_over()) throw std::runtime_error("a stored episode ends before its replay does");
      for (Eigen::Index i = 0; i < action.size(); ++i) action[i] = lane.actions[static_cast<std::size_t>(k * action.size() + i)];
      lane.total += env.Step(action).reward;
    }
    lane.t = static_cast<int>(t);
    lane.discounted = discounted;
    if (env.episode_over()) throw std::runtime_error("a stored episode had already ended");
  }
}

}  // namespace pmlab::rl
