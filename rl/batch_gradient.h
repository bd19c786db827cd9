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

/// Samples taken out of their episodes, as a reused step sees them (sample_reuse.h): each
/// column's weight, value target, log-probability under the policy that drew it and value V_old
/// under the value function of that draw.
struct SampleBatch {
  const core::Matrix& inputs;
  const core::Matrix& actions;
  const core::Vector& weights;
  const Eigen::VectorXd& targets;
  const core::Vector& old_log_probs;
  const Eigen::VectorXd& old_values;
};

/// What a reused step saw: sums over its samples, for the iteration's figures.
struct ReuseFigures {
  double approx_kl = 0;      ///< sum of (r - 1) - log r, the estimator of KL(old || new) SB3 logs
  double clipped = 0;        ///< samples whose ratio was outside [1 - epsilon, 1 + epsilon]
};

/// One thread's scratch for the gradient of a batch.
class BatchGradient {
 public:
  /// `network`: the value network's scratch when the value baseline is one.
  explicit BatchGradient(std::unique_ptr<ValueNetwork> network = nullptr) : network_(std::move(network)) {}

  /// The first half of Compute: V of every step, the estimator's weights and the value
  /// targets (weights(), targets(), values()), and what the batch teaches the value function,
  /// added to `learn`.
  void Weigh(const GradientSetup& setup, const Eigen::Ref<const core::Vector>& x, const EpisodeBatch& batch, ValueSamples learn = {});
  const Eigen::VectorXd& weights() const { return weights_; }
  const Eigen::VectorXd& targets() const { return targets_; }
  const Eigen::VectorXd& values() const { return values_; }

  /// The loss gradient of samples taken out of a batch that an earlier x drew: the policy's
  /// surrogate with each weight times the probability ratio r_j when `clip.ratio` > 0 (dropped
  /// where r_j left [1 - clip, 1 + clip] on the side its weight favours, PPO's clipped
  /// objective), or the weights as they are; divided by `divisor`. With a value network, the
  /// gradient's tail is its loss on the samples' targets, clipped as ReuseClip::value says when
  /// `clip.value` > 0. Returns the loss; adds to `figures`.
  double ComputeOnSamples(const GradientSetup& setup, ReuseClip clip, Policy<float>& policy, const Eigen::Ref<const core::Vector>& x,
                          const SampleBatch& samples, double divisor, Eigen::Ref<core::Vector> gradient, ReuseFigures& figures);

  /// Writes the loss gradient -(1/m) grad S to `gradient` and returns the loss -(1/m) S, where
  /// m is the environments or the batch's steps; with a value network, the gradient's tail is
  /// that of the network's loss (not counted in the returned loss). Adds what the batch
  /// teaches the value function to `learn`.
  double Compute(const GradientSetup& setup, Policy<float>& policy, const Eigen::Ref<const core::Vector>& x,
                 const EpisodeBatch& batch, Eigen::Ref<core::Vector> gradient, ValueSamples learn = {});

 private:
  // The value network's part of the gradient, on `inputs` with `targets`, each step's residual
  // times `keep` when given.
  void ValueGradient(const GradientSetup& setup, const Eigen::Ref<const core::Vector>& x, const core::Matrix& inputs,
                     const Eigen::VectorXd& targets, double divisor, Eigen::Ref<core::Vector> gradient,
                     const Eigen::VectorXd* keep = nullptr);

  std::unique_ptr<ValueNetwork> network_;
  Eigen::VectorXd values_, bootstrap_, weights_, targets_, features_, keep_;
  core::Vector weights_float_, log_probs_, entropies_;
  core::Matrix no_ends_;
};

}  // namespace pmlab::rl
