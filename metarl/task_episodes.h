#pragma once
// Where a meta-RL task's episodes come from: a batch drawn with the policy at given parameters,
// stored so that the inner steps' batches outlive the next draw (MAML's backward pass needs
// every one of them).
#include <memory>
#include <optional>
#include <string>

#include "envs/tabular_mdp.h"
#include "rl/batch_gradient.h"
#include "rl/policy.h"
#include "rl/rollout.h"

namespace pmlab::rl {

class TaskEpisodes {
 public:
  virtual ~TaskEpisodes() = default;
  /// A batch of the task's episodes with the policy at `params`, drawn from `rng`, into `out`;
  /// false when the policy's actions were not finite (diverged parameters).
  virtual bool Sample(Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, core::Rng& rng, StoredBatch& out) = 0;
  /// The expected discounted return of the policy at `params` over the batches' horizon, and
  /// its gradient into `gradient`, where the task knows them exactly (a tabular MDP); nullopt
  /// otherwise.
  virtual std::optional<double> ExactReturn(Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, double discount,
                                            Eigen::Ref<core::Vector> gradient);
};

/// Episodes of one environment spec (a task drawn from a family), E at a time from resets. With
/// RolloutOptions::record_passes, the policy is offered its acting passes over the stored batch
/// (Policy::ReplayActing), which its surrogate reads next.
class EnvironmentEpisodes final : public TaskEpisodes {
 public:
  explicit EnvironmentEpisodes(const RolloutOptions& options);
  bool Sample(Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, core::Rng& rng, StoredBatch& out) override;
  /// Exact on a TabularMdp-v0 task (metarl/tabular_return.h).
  std::optional<double> ExactReturn(Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, double discount,
                                    Eigen::Ref<core::Vector> gradient) override;

 private:
  RolloutOptions options_;
  RolloutCollector rollout_;
  ObservationNormalizer identity_;
  std::vector<Eigen::Index> replay_order_;  // the stored batch's columns in the policy's record
  std::optional<std::optional<envs::TabularMdpModel>> tabular_;  // looked up on the first ExactReturn
};

}  // namespace pmlab::rl
