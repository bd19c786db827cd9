#include "metarl/task_episodes.h"

namespace pmlab::rl {

std::optional<double> TaskEpisodes::ExactReturn(Policy<float>& /*policy*/, const Eigen::Ref<const core::Vector>& /*params*/,
                                                double /*discount*/, Eigen::Ref<core::Vector> /*gradient*/) {
  return std::nullopt;
}

EnvironmentEpisodes::EnvironmentEpisodes(const RolloutOptions& options)
    : rollout_(options), identity_(rollout_.observation_space().Dimension(), false) {}

bool EnvironmentEpisodes::Sample(Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, core::Rng& rng, StoredBatch& out) {
  const bool finite = rollout_.Collect(policy, params, identity_, rng, nullptr);
  out.Assign(rollout_.batch());
  return finite;
}

}  // namespace pmlab::rl
