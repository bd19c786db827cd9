#pragma once
// Evaluation of a policy: whole episodes (to the environment's time limit, not the training
// horizon), each from its own stream of the evaluation seed, so the figures are the same for
// any thread count. Optionally every episode is drawn, frame by frame, for a GIF.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/opt/types.h"
#include "core/opt/worker_pool.h"
#include "envs/canvas.h"
#include "rl/observation_normalizer.h"
#include "rl/policy.h"

namespace pmlab::rl {

struct EpisodeOutcome {
  double total_reward = 0;  ///< undiscounted return
  int length = 0;
};

struct EvaluationSummary {
  int episodes = 0;
  double mean = 0, std = 0, min = 0, max = 0, length_mean = 0;
  std::optional<double> solved_at;       ///< the environment's threshold, if it has one
  std::optional<double> success_rate;    ///< fraction of episodes with return >= solved_at
};

struct EvaluationOptions {
  std::string env;
  PolicyOptions policy;
  int episodes = 10;
  std::uint64_t seed = 0;
  bool deterministic = false;  ///< the policy's mode instead of samples
  /// Called (from a worker thread) with each episode's frames, every `frame_every`-th step.
  std::function<void(int episode, const EpisodeOutcome& outcome, const std::vector<envs::Canvas>& frames)> render;
  int frame_every = 2;
};

/// The stream of evaluation episode `episode` under `seed`: its first draw is the episode's
/// reset seed, the next ones sample its actions.
core::Rng EvaluationStream(std::uint64_t seed, std::int64_t episode);

/// Runs the episodes with the policy at `params`; returns their outcomes in episode order.
std::vector<EpisodeOutcome> EvaluatePolicy(const EvaluationOptions& options, const ObservationNormalizer& normalizer,
                                           const Eigen::Ref<const core::Vector>& params, core::WorkerPool& pool);

/// Mean, spread and success rate of outcomes.
EvaluationSummary Summarize(const std::vector<EpisodeOutcome>& outcomes, std::optional<double> solved_at);

}  // namespace pmlab::rl
