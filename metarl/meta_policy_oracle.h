#pragma once
// The worker oracle of meta-RL: each logical worker draws its share of the meta-batch of tasks
// from a task family of envs/ with its own stream, runs the chosen meta-estimator
// (meta_policy_gradient.h) on each, and returns their mean. The policy's parameters are x. The
// problem-owned state is the baseline b of maml-pg-dice's score-function term, the mean
// adapted return of the iteration before (fixed before an iteration's draws, so the term stays
// unbiased), merged from the workers' slots in worker order.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "core/opt/gradient_oracle.h"
#include "core/run/problem_state.h"
#include "envs/registry.h"
#include "metarl/meta_policy_gradient.h"

namespace pmlab::rl {

struct MetaPolicyProblemOptions {
  std::string family;        ///< task family spec, e.g. "PointNav" or "LunarLander(enable_wind=true)"
  int horizon = 0;           ///< H; 0 = the family's time limit
  int episodes = 20;         ///< E: episodes per batch, inner and outer
  int tasks_per_worker = 1;  ///< a worker's share of the meta-batch
  PolicyOptions policy;
  MetaPolicyOptions meta;    ///< its horizon is set to H
};

class MetaPolicyOracle final : public core::GradientOracle, public core::ProblemState {
 public:
  /// Throws std::invalid_argument for an unknown family or options that do not fit it.
  MetaPolicyOracle(const MetaPolicyProblemOptions& options, int workers);

  core::Index Dimension() const override { return dimension_; }
  core::OracleResult Estimate(int worker, const core::Vector& x, core::Rng& rng, Eigen::Ref<core::Vector> gradient) override;
  void MergeWorkers(std::int64_t iteration, const core::Vector& x) override;
  void SaveWorkerSlot(int worker, core::ByteWriter& out) const override;
  void LoadWorkerSlot(int worker, core::ByteReader& in) override;

  std::uint32_t StateVersion() const override { return 1; }
  void SaveState(core::CheckpointOutputArchive& ar) const override;
  void LoadState(core::CheckpointInputArchive& ar, std::uint32_t version) override;

  core::Vector Initial(core::Rng& rng) const;
  /// The mean discounted return after adaptation over the last iteration's tasks.
  std::optional<double> last_adapted_return() const { return last_return_; }
  /// The options every batch of a task is drawn with, for the task's spec.
  RolloutOptions TaskRollouts(const std::string& task) const;
  /// A fresh estimator of the run's options (meta-testing's scratch), or of others.
  MetaPolicyGradient MakeEstimator() const { return MakeEstimator(options_.meta); }
  MetaPolicyGradient MakeEstimator(const MetaPolicyOptions& meta) const;
  /// The run's options with another algorithm (and maml-pg-dice's exact score term).
  MetaPolicyOptions OtherEstimator(MetaPolicyAlgorithm algorithm) const;
  const envs::EnvFamily& family() const { return *family_; }
  const envs::Space& observation_space() const { return observation_space_; }
  /// The options with the horizon resolved.
  const MetaPolicyProblemOptions& options() const { return options_; }

 private:
  struct Slot {
    double return_sum = 0;
    std::int64_t tasks = 0;
  };

  MetaPolicyProblemOptions options_;
  std::shared_ptr<const envs::EnvFamily> family_;
  envs::Space observation_space_, action_space_;
  core::Index dimension_;
  std::vector<Slot> slots_;
  std::optional<double> last_return_;
  struct Scratch {
    MetaPolicyGradient estimator;
    core::Vector task_gradient;
  };
  tbb::enumerable_thread_specific<std::unique_ptr<Scratch>> scratch_;
};

}  // namespace pmlab::rl
