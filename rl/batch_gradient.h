#pragma once
// From a batch of episodes to the gradient a worker sends: values of the visited states from
// the current value function, the estimator's per-step weights, and minus the gradient of the
// surrogate divided by the batch's environments or its steps (EstimatorOptions::mean): a loss
// to minimise.
#include <vector>

#include "core/opt/types.h"
#include "rl/estimator.h"
#include "rl/linear_value.h"
#include "rl/policy.h"

namespace pmlab::rl {

/// Steps as columns, episode by episode (EpisodeSegment), and each episode's input after its
/// last step in column e of `last_inputs`.
struct EpisodeBatch {
  const core::Matrix& inputs;
  const core::Matrix& actions;
  const Eigen::VectorXd& rewards;
  const std::vector<EpisodeSegment>& episodes;
  const core::Matrix& last_inputs;
};

/// The first `horizon` steps of every episode of a batch, as the batch a horizon-`horizon`
/// rollout with the same draws would have given.
class TruncatedBatch {
 public:
  void Assign(const EpisodeBatch& full, int horizon);
  EpisodeBatch batch() const { return {inputs_, actions_, rewards_, episodes_, last_inputs_}; }

 private:
  core::Matrix inputs_, actions_, last_inputs_;
  Eigen::VectorXd rewards_;
  std::vector<EpisodeSegment> episodes_;
};

/// One thread's scratch for the gradient of a batch.
class BatchGradient {
 public:
  /// Writes the loss gradient -(1/m) grad S to `gradient` and returns the loss -(1/m) S, where
  /// m is `environments` or the batch's steps. With `fit`, adds every step's (features, value
  /// target) to it.
  double Compute(const EstimatorOptions& estimator, double entropy_coef, int environments, const LinearValue& value,
                 Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, const EpisodeBatch& batch,
                 Eigen::Ref<core::Vector> gradient, LinearValue::Normal* fit);

 private:
  Eigen::VectorXd values_, bootstrap_, weights_, targets_, features_;
  core::Vector weights_float_;
};

}  // namespace pmlab::rl
