#pragma once
// From a batch of episodes to the gradient a worker sends: values of the visited states from
// the current value function, the estimator's per-step weights, and minus the gradient of the
// surrogate divided by the batch's environments or its steps (EstimatorOptions::mean): a loss
// to minimise. With a value network, x is the policy's parameters followed by the network's,
// and the gradient's tail is that of the network's regression loss (value_network.h).
#include <limits>
#include <memory>
#include <vector>

#include "core/opt/types.h"
#include "rl/estimator.h"
#include "rl/linear_value.h"
#include "rl/observation_normalizer.h"
#include "rl/policy.h"
#include "rl/value_network.h"

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

/// A batch that owns its storage: a copy of another, or of the first `horizon` steps of each of
/// its episodes, which is the batch a horizon-`horizon` rollout with the same draws would have
/// given.
class StoredBatch {
 public:
  void Assign(const EpisodeBatch& full, int horizon = std::numeric_limits<int>::max());
  EpisodeBatch batch() const { return {inputs_, actions_, rewards_, episodes_, last_inputs_}; }

 private:
  core::Matrix inputs_, actions_, last_inputs_;
  Eigen::VectorXd rewards_;
  std::vector<EpisodeSegment> episodes_;
};

/// V of every step of `batch` into `values` and of each episode's last input into `bootstrap`;
/// `features` is scratch.
void PredictLinearValues(const LinearValue& value, const EpisodeBatch& batch, Eigen::VectorXd& features, Eigen::VectorXd& values,
                         Eigen::VectorXd& bootstrap);
/// Adds every step's (features, target) to `normal`.
void AddLinearValueSamples(const LinearValue& value, const EpisodeBatch& batch, const Eigen::VectorXd& targets,
                           Eigen::VectorXd& features, LinearValue::Normal& normal);

/// What turns a batch into a gradient, besides the policy and the parameters.
struct GradientSetup {
  EstimatorOptions estimator;
  double entropy_coef = 0;  ///< c of the entropy bonus
  int environments = 1;     ///< E: the divisor of GradientMean::kEpisode
  /// The value baseline: the linear fit, unless the BatchGradient has a value network, whose
  /// targets `value_scale` standardises and whose loss `value_coef` weighs.
  const LinearValue* linear_value = nullptr;
  ValueScale value_scale;
  double value_coef = 0;
};

/// What a batch teaches the value function for the next iteration, summed into a worker's
/// slot: the linear fit's normal equations, or the moments of the network's targets.
struct ValueSamples {
  LinearValue::Normal* normal = nullptr;
  RunningMoments* targets = nullptr;
};

/// One thread's scratch for the gradient of a batch.
class BatchGradient {
 public:
  /// `network`: the value network's scratch when the value baseline is one.
  explicit BatchGradient(std::unique_ptr<ValueNetwork> network = nullptr) : network_(std::move(network)) {}

  /// Writes the loss gradient -(1/m) grad S to `gradient` and returns the loss -(1/m) S, where
  /// m is the environments or the batch's steps; with a value network, the gradient's tail is
  /// that of the network's loss (not counted in the returned loss). Adds what the batch
  /// teaches the value function to `learn`.
  double Compute(const GradientSetup& setup, Policy<float>& policy, const Eigen::Ref<const core::Vector>& x,
                 const EpisodeBatch& batch, Eigen::Ref<core::Vector> gradient, ValueSamples learn = {});

 private:
  std::unique_ptr<ValueNetwork> network_;
  Eigen::VectorXd values_, bootstrap_, weights_, targets_, features_;
  core::Vector weights_float_;
};

}  // namespace pmlab::rl
