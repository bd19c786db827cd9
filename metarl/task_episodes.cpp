#include "metarl/task_episodes.h"

#include "envs/registry.h"
#include "metarl/tabular_return.h"

namespace pmlab::rl {

std::optional<double> TaskEpisodes::ExactReturn(Policy<float>& /*policy*/, const Eigen::Ref<const core::Vector>& /*params*/,
                                                double /*discount*/, Eigen::Ref<core::Vector> /*gradient*/) {
  return std::nullopt;
}

EnvironmentEpisodes::EnvironmentEpisodes(const RolloutOptions& options)
    : options_(options),
      rollout_(options), identity_(rollout_.observation_space().Dimension(), false) {}

bool EnvironmentEpisodes::Sample(Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, core::Rng& rng, StoredBatch& out) {
  const bool finite = rollout_.Collect(policy, params, identity_, rng, nullptr);
  out.Assign(rollout_.batch());
  if (finite && options_.record_passes) {
    // The stored batch lists the episodes' steps in the order the episodes ended.
    const std::vector<Eigen::Index>& acting = rollout_.acting_columns();
    replay_order_.clear();
    for (const EpisodeSegment& ep : rollout_.batch().episodes)
      replay_order_.insert(replay_order_.end(), acting.begin() + ep.start, acting.begin() + ep.start + ep.length);
    policy.ReplayActing(replay_order_);
  }
  return finite;
}

}  // namespace pmlab::rl

namespace pmlab::rl {

std::optional<double> EnvironmentEpisodes::ExactReturn(Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, double discount,
                                                       Eigen::Ref<core::Vector> gradient) {
  if (!tabular_) {
    const auto env = envs::MakeEnvironment(options_.env);
    const auto* mdp = dynamic_cast<const envs::TabularMdp*>(env.get());
    tabular_ = mdp ? std::optional<envs::TabularMdpModel>(mdp->model()) : std::nullopt;
  }
  if (!*tabular_) return std::nullopt;
  return TabularReturn<float>(**tabular_, policy, params, discount, options_.horizon, gradient);
}

}  // namespace pmlab::rl
