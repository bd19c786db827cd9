#pragma once
// Sample reuse, as PPO does it (Schulman et al. 2017): a worker keeps the batch it drew at the
// start of a round and the round takes K epochs of M minibatch steps on it, each step sending
// the gradient of one minibatch at the current x through the workers' transforms and the
// server. After the first step the samples are off-policy, so every step but the first is a
// biased estimate of the current policy's gradient: with `--estimator ppo` each sample's weight
// is multiplied by its probability ratio and clipped (batch_gradient.h), with another estimator
// the samples are reused as they are. Each epoch visits the worker's samples in a new order
// drawn from its own stream, so a run is the same on any thread or process count.
//
// The weights (advantages) and value targets are those of the draw, fixed for the round, as in
// PPO; the value network's loss on a minibatch regresses it onto them.
#include <cstdint>
#include <vector>

#include "core/opt/rng.h"
#include "core/opt/types.h"
#include "rl/batch_gradient.h"
#include "rl/policy.h"

namespace pmlab::rl {

/// How a round reuses its samples.
struct ReuseOptions {
  int epochs = 1;          ///< K: passes over each worker's samples
  int minibatches = 1;     ///< M: steps per pass, each on 1/M of the samples
  double target_kl = 0;    ///< stop the round before a step whose mean approximate KL exceeds 1.5 x this; 0 = never

  /// Server steps per round (the config keeps it at most 10^7).
  int Steps() const { return epochs * minibatches; }
};

/// One thread's storage for a gathered minibatch.
struct MinibatchStorage {
  core::Matrix inputs, actions;
  core::Vector weights, old_log_probs;
  Eigen::VectorXd targets, old_values;
};

/// One worker's draw, kept for the steps of its round.
class KeptBatch {
 public:
  /// Keeps the samples of `batch` with the weights, value targets and values `weighed` gave them
  /// (BatchGradient::Weigh), and the log-probabilities of their actions under the policy at
  /// `params`; `environments` is E.
  void Keep(const EpisodeBatch& batch, const BatchGradient& weighed, Policy<float>& policy, const Eigen::Ref<const core::Vector>& params,
            int environments);

  /// A new order of the samples for the next epoch, from the worker's stream (no draw when the
  /// epoch is one minibatch: its order does not matter).
  void Shuffle(int minibatches, core::Rng& rng);

  /// Minibatch `m` of `minibatches` in the current order, gathered into `into`'s storage
  /// (the kept samples themselves when there is one minibatch).
  SampleBatch Minibatch(int m, int minibatches, MinibatchStorage& into) const;
  /// What a minibatch of `size` samples is divided by so that its gradient estimates the
  /// whole batch's: its size under --gradient-mean step, else E size / n.
  double Divisor(Eigen::Index size, bool per_step) const;

  /// Samples kept.
  Eigen::Index size() const { return inputs_.cols(); }
  /// The mean entropy of the drawing policy over them.
  double entropy_mean() const { return entropy_mean_; }

 private:
  core::Matrix inputs_, actions_;
  core::Vector weights_, old_log_probs_, entropies_;
  Eigen::VectorXd targets_, values_;
  std::vector<Eigen::Index> order_;
  int environments_ = 1;
  double entropy_mean_ = 0;
};

}  // namespace pmlab::rl
