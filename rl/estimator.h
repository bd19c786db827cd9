#pragma once
// Policy-gradient estimators from a batch of episodes. Each turns rewards into one weight per
// step, w_t, and the gradient estimate is sum_t w_t grad log pi(a_t | s_t) per episode:
//   reinforce  w_t = R - b               R = sum_t gamma^t r_t, the episode's truncated return
//   gpomdp     w_t = gamma^t (G_t - b_t) G_t = sum_{k>=t} gamma^(k-t) r_k, the reward-to-go
//   gae        w_t = gamma^t A_t         A_t = sum_l (gamma lambda)^l delta_(t+l),
//                                        delta_t = r_t + gamma V(s_(t+1)) - V(s_t)
//   ppo        gae's weights; reused samples weigh by their clipped probability ratio
//              (Schulman et al. 2017; see sample_reuse.h)
// Without a baseline, reinforce and gpomdp are unbiased for the discounted return of episodes
// truncated at the horizon; so is either with b fixed before the episodes were drawn. Biased
// choices, each a knob of the testbed: a `mean` baseline computed from the same episodes (the
// average of R, or of G_t over the episodes still running at t), GAE with lambda < 1 or with
// an inexact value function, advantage normalisation (which also rescales), and `uniform`
// state weighting, which drops gamma^t as A2C and PPO do (Thomas 2014).
//
// Episodes cut before the MDP ended (by the horizon, the time limit or the end of the
// iteration's steps) bootstrap V of their last observation in GAE; Monte-Carlo returns never
// bootstrap.
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/registry/registry.h"

namespace pmlab::rl {

class Estimator;
enum class Baseline { kNone, kMean, kValue };
enum class StateWeighting { kDiscounted, kUniform };
/// What a worker's sum over its batch is divided by: its E episodes (an unbiased estimate of
/// the gradient of an episode's return), or its steps, as A2C's and PPO's means over samples
/// do (a ratio of two random sums, so biased, but its scale does not grow with the episodes'
/// length).
enum class GradientMean { kEpisode, kStep };

Baseline ParseBaseline(const std::string& text);        ///< none | mean | value
StateWeighting ParseStateWeighting(const std::string& text);  ///< discounted | uniform
GradientMean ParseGradientMean(const std::string& text);      ///< episode | step

/// The estimator registered as `spec` ("gae", "reinforce", ...); throws std::invalid_argument
/// naming the registered ones.
std::shared_ptr<const Estimator> MakeEstimator(const std::string& spec);

/// How a batch becomes a gradient estimate: the knobs of its bias.
struct EstimatorOptions {
  /// reinforce, gpomdp, gae or a registered one
  std::shared_ptr<const Estimator> estimator = MakeEstimator("gae");
  Baseline baseline = Baseline::kValue;  ///< none, mean or value
  double discount = 0.99;    ///< gamma of the MDP
  double gae_lambda = 0.95;  ///< lambda of GAE
  bool normalize_advantages = false;  ///< centre and scale the weights of each batch
  StateWeighting weighting = StateWeighting::kDiscounted;  ///< discounted (gamma^t) or uniform
  GradientMean mean = GradientMean::kEpisode;  ///< divide by the episodes or the steps

  /// Throws std::invalid_argument naming the flag of an option out of range or of a
  /// combination that has no meaning (GAE without a value function, reinforce with one).
  void Validate() const;
};

/// One episode's steps: columns [start, start + length) of the batch, in time order from
/// t = first_t (0 unless the episode began in an earlier iteration).
struct EpisodeSegment {
  Eigen::Index start = 0;  ///< first column
  int length = 0;  ///< steps
  bool terminated = false;  ///< the MDP ended: the value after the last step is 0
  bool finished = false;    ///< ended by the MDP, the time limit or the horizon; false when cut by the iteration's end
  double total_reward = 0;  ///< undiscounted sum of the episode's rewards so far, as Gymnasium reports returns
  int first_t = 0;  ///< the episode's steps before this batch's first (environments that persist across iterations)
};

/// PPO's clips of a sample reused after the policy that drew it has moved (0: no clip).
struct ReuseClip {
  /// epsilon: each sample's weight is multiplied by its probability ratio pi(a|s) / pi_old(a|s),
  /// and its gradient is dropped where the ratio has left [1 - epsilon, 1 + epsilon] in the
  /// direction its weight favours.
  double ratio = 0;
  /// The value function's: the loss of a value V that has moved more than this from the drawing
  /// parameters' V_old is max((V - y)^2, (V_old + clip(V - V_old) - y)^2), as in OpenAI's PPO2,
  /// so its gradient is dropped where the clipped prediction is the farther from the target.
  double value = 0;
};

/// An estimator: how a batch's rewards become one weight per step. Registered by name in
/// Estimators(); reinforce, gpomdp and gae are built in.
class Estimator {
 public:
  virtual ~Estimator() = default;
  /// Throws std::invalid_argument naming the flag of an option this estimator cannot use.
  virtual void Validate(const EstimatorOptions& options) const;
  /// Whether each step is weighted by gamma^t afterwards under discounted state weighting
  /// (false for estimators that weigh whole episodes).
  virtual bool per_step() const { return true; }
  /// PPO's clips of reused samples (rl --epochs, --minibatches); none for estimators that
  /// weigh reused samples as they are.
  virtual ReuseClip reuse_clip() const { return {}; }
  /// Writes the raw weights w_t of every step (before normalisation and discounting) and the
  /// targets the value function is fitted to. `values` and `bootstrap` as EstimatorWeights.
  virtual void Weigh(const EstimatorOptions& options, const std::vector<EpisodeSegment>& episodes, const Eigen::VectorXd& rewards,
                     const Eigen::VectorXd& values, const Eigen::VectorXd& bootstrap, Eigen::VectorXd& weights,
                     Eigen::VectorXd& targets) const = 0;
};

/// The estimators of --estimator, by name.
using EstimatorRegistry = Registry<std::shared_ptr<const Estimator>()>;
EstimatorRegistry& Estimators();

/// The rewards-to-go G_t of every step, written to `targets` (what reinforce and gpomdp weigh).
void RewardsToGo(double gamma, const std::vector<EpisodeSegment>& episodes, const Eigen::VectorXd& rewards, Eigen::VectorXd& targets);

/// The weights w of every step, and the targets the value function is fitted to (G_t, or
/// A_t + V(s_t) for GAE). `values` holds V(s_t) per step and `bootstrap` V of each episode's
/// last observation (both ignored without a value baseline). Returns the factor advantage
/// normalisation scaled the centred weights by, 1 / (std + 1e-8), or 1 without it.
double EstimatorWeights(const EstimatorOptions& options, const std::vector<EpisodeSegment>& episodes, const Eigen::VectorXd& rewards,
                        const Eigen::VectorXd& values, const Eigen::VectorXd& bootstrap, Eigen::VectorXd& weights,
                        Eigen::VectorXd& targets);

}  // namespace pmlab::rl
