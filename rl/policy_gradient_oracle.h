#pragma once
// The worker oracle of reinforcement learning: each logical worker rolls out its batch of
// episodes with the current policy (rollout.h), turns the rewards into per-step weights with
// the chosen estimator (estimator.h) and returns minus the gradient of the surrogate, per
// environment of its batch, as the gradient of a loss to minimise. The policy's parameters are
// x (followed by the value network's, when the baseline is one); everything else the problem
// learns lives here as problem-owned state, saved in every checkpoint: the observation
// statistics, the linear value fit or the value targets' moments, and the running episode
// figures.
// Workers write only their own slot during an iteration; MergeWorkers folds the slots in
// worker order, so a run is the same for any thread count.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "core/opt/bias_estimate.h"
#include "core/opt/gradient_oracle.h"
#include "core/opt/worker_pool.h"
#include "core/run/problem_state.h"
#include "rl/batch_gradient.h"
#include "rl/linear_value.h"
#include "rl/observation_normalizer.h"
#include "rl/policy.h"
#include "rl/rollout.h"
#include "rl/sample_reuse.h"

namespace pmlab::rl {

struct PolicyGradientOptions {
  RolloutOptions rollout;
  PolicyOptions policy;
  EstimatorOptions estimator;
  double entropy_coef = 0;  ///< c of the entropy bonus
  bool normalize_observations = false;
  /// The value baseline's network: tanh hidden widths, empty for the linear fit; and the
  /// weight c of its loss (value_network.h).
  std::vector<int> value_hidden;
  double value_coef = 0.5;
  /// Divide rewards by the running standard deviation of the discounted return, clipped to
  /// +-kRewardClip, as Stable-Baselines3's VecNormalize does (a biased, steadier scale).
  bool normalize_rewards = false;
  static constexpr double kRewardClip = 10;
  ReuseOptions reuse;  ///< epochs x minibatches of steps per round on the round's draw (sample_reuse.h)

  /// Whether rounds keep their draw for minibatch steps: several steps, or PPO's ratio.
  bool Reuses() const { return reuse.Steps() > 1 || estimator.estimator->reuse_clip().ratio > 0; }
};

/// What the workers' episodes of one iteration looked like; returns of the episodes that
/// finished (not cut by the iteration's step budget).
struct IterationEpisodes {
  std::int64_t episodes = 0, steps = 0;  ///< finished episodes, and every step taken
  double return_mean = 0, return_min = 0, return_max = 0, length_mean = 0;
  /// Of a round that reuses its samples, what PPO's users look at: the mean approximate KL of
  /// the new policy from the drawing one and the fraction of clipped ratios over the reused
  /// samples, the drawing policy's mean entropy, and the share of the value targets' variance
  /// the value function explained when the samples were drawn.
  double approx_kl = 0, clip_fraction = 0, entropy = 0, explained_variance = 0;
};

/// The running figures of a run: totals, the best mean return so far, and when the mean return
/// first reached the environment's solved threshold.
struct EpisodeRecord {
  std::int64_t episodes = 0, steps = 0;
  std::optional<double> best_return, last_return;
  std::optional<std::int64_t> solved_iteration, solved_steps;
};

class PolicyGradientOracle;

/// One thread's means of drawing batches and their gradients as a run's workers do: its
/// environments, its policy and its gradient scratch (with the run's value network, if any).
struct Sampler {
  Sampler(const RolloutOptions& rollout, const PolicyOptions& policy, const PolicyGradientOracle& oracle);
  RolloutCollector rollout;
  std::unique_ptr<Policy<float>> policy;
  BatchGradient gradient;
};

class PolicyGradientOracle final : public core::GradientOracle, public core::ProblemState {
 public:
  /// `workers` slots; `solved_at` the environment's solved threshold, if it has one.
  PolicyGradientOracle(const PolicyGradientOptions& options, int workers, std::optional<double> solved_at);

  core::Index Dimension() const override { return dimension_; }
  core::RoundPlan Plan() const override;
  /// Keeps the step; at a measured iteration, keeps the round's start and measures the reuse
  /// bias at each later epoch's start.
  void BeginStep(std::int64_t iteration, int step, const core::Vector& x) override;
  core::OracleResult Estimate(int worker, const core::Vector& x, core::Rng& rng, Eigen::Ref<core::Vector> gradient) override;
  void MergeWorkers(std::int64_t iteration, const core::Vector& x) override;
  /// With persistent environments, the worker's episodes in progress (replayed on load).
  void SaveWorkerState(int worker, core::ByteWriter& out) const override;
  void LoadWorkerState(int worker, core::ByteReader& in) override;
  void SaveWorkerSlot(int worker, core::ByteWriter& out) const override;
  void LoadWorkerSlot(int worker, core::ByteReader& in) override;

  /// Version 2 added the value targets' moments, version 3 the discounted returns' (reward
  /// normalisation); older checkpoints load without them.
  std::uint32_t StateVersion() const override { return 3; }
  void SaveState(core::CheckpointOutputArchive& ar) const override;
  void LoadState(core::CheckpointInputArchive& ar, std::uint32_t version) override;

  /// The run's first parameters.
  core::Vector Initial(core::Rng& rng) const;
  const ObservationNormalizer& normalizer() const { return normalizer_; }
  const LinearValue& value() const { return value_; }
  const RunningMoments& value_targets() const { return value_targets_; }
  /// The moments of the discounted returns so far, whose spread scales normalised rewards.
  const RunningMoments& return_moments() const { return return_moments_; }
  /// The policy's parameters are x's first policy_size() entries.
  core::Index policy_size() const { return policy_size_; }
  /// The gradient setup of the run's estimator at the current state.
  GradientSetup Setup() const;
  /// A thread's gradient scratch, with the value network if the run has one.
  BatchGradient MakeBatchGradient() const;
  /// Measure the bias of reused samples (reuse_bias.h) every `every` iterations with `units`
  /// batch pairs, on this process (the one that writes metrics) and `pool`.
  void MeasureReuseBiasEvery(std::int64_t every, int units, std::uint64_t seed, core::WorkerPool& pool);
  /// At a measured iteration, the bias after each of epochs 1 .. K-1 (unset where the round
  /// stopped before that epoch ended); empty at other iterations.
  const std::vector<std::optional<core::BiasEstimate>>& reuse_bias() const { return reuse_bias_; }
  /// The last merged iteration's episodes, and the record so far.
  const IterationEpisodes& last_iteration() const { return last_; }
  const EpisodeRecord& record() const { return record_; }

 private:
  /// The spaces come from `probe`, one environment of the run's spec.
  PolicyGradientOracle(const PolicyGradientOptions& options, int workers, std::optional<double> solved_at,
                       const envs::Environment& probe);

  // Sample reuse's figures as sums over workers: over the reused samples, and over the drawn
  // ones for the explained variance (targets y, residuals y - V).
  struct ReuseSums {
    double kl_sum = 0, clipped = 0, reused = 0, entropy = 0;
    double drawn = 0, y_sum = 0, y_sq = 0, residual_sum = 0, residual_sq = 0;
    ReuseSums& operator+=(const ReuseSums& o) {
      kl_sum += o.kl_sum, clipped += o.clipped, reused += o.reused, entropy += o.entropy, drawn += o.drawn;
      y_sum += o.y_sum, y_sq += o.y_sq, residual_sum += o.residual_sum, residual_sq += o.residual_sq;
      return *this;
    }
  };
  struct Slot {
    RunningMoments moments, targets, returns;
    LinearValue::Normal normal;
    std::int64_t episodes = 0, steps = 0, length_sum = 0;
    double return_sum = 0, return_min = 0, return_max = 0;
    ReuseSums reuse;
  };
  struct Scratch : Sampler {
    explicit Scratch(const PolicyGradientOracle& oracle) : Sampler(oracle.options_.rollout, oracle.options_.policy, oracle) {}
    MinibatchStorage minibatch;
    Eigen::VectorXd scaled_rewards;
  };

  // The worker's environments: its own when they persist across iterations, else the thread's.
  RolloutCollector& CollectorOf(int worker, Scratch& s);
  // Rolls out the worker's batch at x; false when the policy's actions were not finite.
  bool Draw(RolloutCollector& rollout, Scratch& s, Slot& slot, const core::Vector& x, core::Rng& rng);
  // The drawn batch as the estimator sees it: its rewards normalised when the run asks for it.
  EpisodeBatch Estimated(const RolloutCollector& rollout, const Scratch& s) const;
  // A step of a round that reuses its draw: the draw at step 0, then minibatch `step_`.
  core::OracleResult EstimateReusing(int worker, const core::Vector& x, core::Rng& rng, Eigen::Ref<core::Vector> gradient);

  PolicyGradientOptions options_;
  std::optional<double> solved_at_;
  envs::Space observation_space_, action_space_;
  core::Index policy_size_, dimension_;
  ObservationNormalizer normalizer_;
  LinearValue value_;
  RunningMoments value_targets_, return_moments_;
  std::vector<Slot> slots_;
  std::vector<KeptBatch> kept_;  // each worker's draw, during a round that reuses it
  std::vector<std::unique_ptr<RolloutCollector>> collectors_;  // each worker's persistent environments
  int step_ = 0;                  // of the round
  struct ReuseBiasPlan {
    std::int64_t every = 0;
    int units = 0;
    std::uint64_t seed = 0;
    core::WorkerPool* pool = nullptr;
  } reuse_bias_plan_;
  core::Vector round_start_;  // x at the start of a measured round
  std::vector<std::optional<core::BiasEstimate>> reuse_bias_;
  IterationEpisodes last_;
  EpisodeRecord record_;
  bool value_network_;
  tbb::enumerable_thread_specific<Scratch> scratch_;
};

}  // namespace pmlab::rl
