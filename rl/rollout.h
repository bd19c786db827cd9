#pragma once
// Batched rollouts: one logical worker's episodes of an iteration. The worker's E
// environments are stepped together, and the policy acts on the batch of their observations
// at once (one matrix product per layer instead of E). An iteration starts from resets, unless
// the environments persist: then an episode cut by the step budget goes on in the next
// iteration, and its simulator's state is a checkpoint's. Box2D is deterministic, so that state
// is kept as the episode's reset seed and its actions so far, and restored by replaying them
// (SaveState, LoadState): exact, and a few kilobytes per environment.
//
// Two budgets: E episodes of at most `horizon` steps each (steps_per_environment = 0), or a
// fixed number of steps per environment, starting a new episode whenever one ends and cutting
// the last one at the budget. Environment b is built with instance id b and reset with seeds
// drawn from the worker's stream, so a worker's batch is the same on any thread. Buffers grow
// during the first iterations and are reused afterwards: no allocation per step.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/opt/byte_stream.h"
#include "core/opt/rng.h"
#include "core/opt/types.h"
#include "envs/environment.h"
#include "rl/batch_gradient.h"
#include "rl/estimator.h"
#include "rl/observation_normalizer.h"
#include "rl/policy.h"

namespace pmlab::rl {

struct RolloutOptions {
  std::string env;                ///< environment spec
  int horizon = 0;                ///< H: steps per episode at most (>= 1)
  int environments = 1;           ///< E: environments stepped together
  int steps_per_environment = 0;  ///< 0: one episode per environment; else this many steps each
  /// With a step budget: an episode the budget cuts continues in the next Collect instead of
  /// the environment being reset (A2C's and PPO's n-step segments).
  bool persistent = false;
  /// > 0: record each step's discounted return so far, G_t = gamma G_(t-1) + r_t from the
  /// episode's start, with this gamma (what reward normalisation scales by).
  double return_discount = 0;
  /// Keep the policy's acting passes (Policy::RecordActing), which the surrogate over the batch
  /// can start from (meta-RL's inner and outer batches; acting_columns).
  bool record_passes = false;
};

class RolloutCollector {
 public:
  explicit RolloutCollector(const RolloutOptions& options);

  const envs::Space& observation_space() const { return envs_.front()->observation_space(); }
  const envs::Space& action_space() const { return envs_.front()->action_space(); }

  /// Runs the batch with the policy at `params`. Inputs are normalised by `normalizer`; raw
  /// observations are added to `moments` when it is not null. Returns false, with the batch cut
  /// short, when the policy's actions are not finite: parameters that have diverged.
  bool Collect(Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, const ObservationNormalizer& normalizer,
               core::Rng& rng, RunningMoments* moments);

  // The batch, valid until the next Collect: steps as columns, episode by episode.
  const core::Matrix& observations() const { return observations_; }  ///< policy inputs
  const core::Matrix& actions() const { return actions_; }
  const Eigen::VectorXd& rewards() const { return rewards_; }
  /// With RolloutOptions::record_passes, where each column of the batch is in the policy's
  /// record (Policy::ReplayActing): s * E + b for environment b's column at step s.
  const std::vector<Eigen::Index>& acting_columns() const { return acting_columns_; }
  /// Each step's discounted return so far (RolloutOptions::return_discount; empty without).
  const Eigen::VectorXd& returns_so_far() const { return returns_; }
  const std::vector<EpisodeSegment>& episodes() const { return episodes_; }
  /// All of it, with the input after each episode's last step (column e for episode e) for
  /// bootstrapping.
  EpisodeBatch batch() const { return {observations_, actions_, rewards_, episodes_, last_inputs_}; }

  /// The episodes in progress between Collects (persistent environments), as bytes.
  void SaveState(core::ByteWriter& out) const;
  /// Replays what SaveState wrote into this collector's environments. Throws
  /// std::runtime_error if the stored episodes do not fit or do not replay.
  void LoadState(core::ByteReader& in);

 private:
  struct Lane {  // one environment's progress through the iteration
    Eigen::Index written = 0;  // steps stored in its region
    Eigen::Index start = 0;    // where the current episode began in it
    int t = 0;                 // step within the current episode
    int first_t = 0;           // the episode's step when this iteration took it up
    double total = 0;          // undiscounted reward of the current episode
    double discounted = 0;     // its discounted return so far (return_discount > 0)
    bool active = false;
    bool in_episode = false;   // an episode has begun and not ended (it persists across Collects)
    std::uint64_t seed = 0;    // its reset seed, and its actions so far: what replays it
    std::vector<double> actions;
  };

  void StartEpisode(int b, const ObservationNormalizer& normalizer, core::Rng& rng, RunningMoments* moments);
  void EndEpisode(int b, bool terminated, bool finished);
  void Gather();

  RolloutOptions options_;
  int observation_size_;
  Eigen::Index capacity_;  // steps per region
  std::vector<std::unique_ptr<envs::Environment>> envs_;
  std::vector<Eigen::VectorXd> env_actions_;
  std::vector<Lane> lanes_;
  core::Matrix batch_inputs_, batch_actions_;             // E columns: what the policy sees and does
  core::Matrix region_inputs_, region_actions_;           // E regions of capacity_ columns
  Eigen::VectorXd region_rewards_, region_returns_;
  std::vector<EpisodeSegment> episodes_;                  // starts relative to their region, until Gather
  std::vector<int> episode_lane_;
  core::Matrix observations_, actions_, last_observations_;  // the last: one column per episode so far, and spares
  core::Matrix last_inputs_;                                // its columns of this batch's episodes
  Eigen::VectorXd rewards_, returns_;
  std::vector<Eigen::Index> acting_columns_;
};

}  // namespace pmlab::rl
