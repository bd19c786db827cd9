#pragma once
// Meta-RL as a problem of the run loop: `pmlab meta --task pointnav --algo maml-pg`. Builds
// the oracle of meta_policy_oracle.h and the held-out evaluation (returns before and after
// adaptation on tasks of their own stream), from options the command line has already read.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/opt/function_ref.h"
#include "core/opt/worker_pool.h"
#include "core/run/run_session.h"
#include "metalearn/meta_experiment.h"
#include "metarl/meta_policy_oracle.h"
#include "rl/policy_evaluation.h"
#include "rl/rl_experiment.h"

namespace pmlab::rl {

/// The task family spec of a --task name: pointnav, lunar-gravity, cartpole and walker-velocity name the
/// families of envs/, and a family spec ("PointNav(goal_range=1)") names itself. Empty when
/// the name is neither (a supervised task, or unknown).
std::string MetaPolicyFamily(const std::string& task);

/// The problem of a meta run on an RL task (throws std::invalid_argument naming the flag of an
/// option that does not fit).
core::MakeProblem MetaPolicyProblem(const metalearn::MetaConfig& config);
/// The checks MetaPolicyProblem makes of `config` before it builds anything (std::invalid_argument).
void CheckMetaPolicyConfig(const metalearn::MetaConfig& config);

/// Returns before and after each of 0..steps adaptation steps on `tasks` held-out tasks.
struct AdaptationTable {
  AdaptationTable() = default;
  /// From the returns of each task (row) after each number of steps (column).
  explicit AdaptationTable(Eigen::MatrixXd per_task);

  int tasks = 0;
  Eigen::MatrixXd returns;         ///< per task and step
  std::vector<double> mean, ci95;  ///< per step: mean return over tasks, 95% half-width
};

/// One held-out task's adaptation: its environment spec and the parameters before and after
/// each step (fewer if they diverged).
struct AdaptedTask {
  std::string spec;
  std::vector<core::Vector> params;
};

/// Held-out task k is drawn, and its episodes run, from stream (seed, kHeldOut, k), so every
/// evaluation of a run, and of any policy against it, sees the same tasks and draws. One step
/// per entry of `step_sizes`, each on the oracle's inner episodes and horizon. `adapted`, if
/// given, receives every task's adaptation.
AdaptationTable EvaluateAdaptation(const MetaPolicyOracle& oracle, const core::Vector& x, int tasks, std::span<const double> step_sizes,
                                   std::uint64_t seed, core::WorkerPool& pool, std::vector<AdaptedTask>* adapted = nullptr);

/// What meta-testing a checkpoint does: `tasks` held-out tasks, `steps` adaptation steps on
/// `episodes` episodes each (0: the run's --inner-episodes). Step j's size is lr[j], the last
/// entry repeating (empty: the run's --inner-lr), as MAML's evaluation took 0.5 then 0.25.
struct AdaptationProtocol {
  int tasks = 40;
  int steps = 1;
  std::vector<double> lr;
  int episodes = 0;
};

/// A starting point meta-testing compares: the run's own meta-trained parameters, its
/// initialisation, or another run's parameters.
struct StartingPoint {
  std::string name;          ///< "meta-trained", "random", or the other run's folder
  std::int64_t iteration = 0;  ///< of the checkpoint it comes from (0 for the initialisation)
  core::Vector x;
};

/// The parameters of another meta-RL run's checkpoint as a starting point for runs of `mine`:
/// it must be on the same task family with the same policy network (std::invalid_argument
/// naming `flag` otherwise).
StartingPoint OtherRunStart(const metalearn::MetaConfig& mine, const std::string& name, const metalearn::MetaConfig& theirs,
                            const core::RunCheckpoint& checkpoint, const std::string& flag);
/// Which rl runs a starting point may come from: any environment whose observation and action
/// spaces are the family's (a walker trained on BipedalWalker-v3 for a walker family), or only
/// the family itself (--env naming it: multi-task pretraining, the baseline meta-testing names).
enum class PolicySource { kSameSpaces, kSameFamily };

/// The policy of a `pmlab rl` run as a starting point for runs of `mine`: from an environment
/// `source` allows, with the same policy network and raw observations (std::invalid_argument
/// naming `flag` otherwise).
StartingPoint PretrainedStart(const metalearn::MetaConfig& mine, const std::string& name, const TrainedPolicy& policy,
                              PolicySource source, const std::string& flag);

/// A checkpoint of a meta-RL run, restored for meta-testing.
class MetaPolicyTest {
 public:
  /// Restores `checkpoint` of a run with `config`; throws std::invalid_argument for a protocol
  /// out of range, naming --adapt-lr or --adapt-episodes.
  MetaPolicyTest(const metalearn::MetaConfig& config, const core::RunCheckpoint& checkpoint, const AdaptationProtocol& protocol);
  ~MetaPolicyTest();

  /// The checkpoint's meta-trained parameters.
  StartingPoint Trained() const;
  /// The run's initialisation (the parameters at iteration 0).
  StartingPoint Initial() const;
  /// The protocol from `start`.
  AdaptationTable Evaluate(const StartingPoint& start, std::vector<AdaptedTask>* adapted = nullptr) const;

  /// Runs one whole episode of each adapted task with the parameters before and after each
  /// step, all from the evaluation stream of `seed` (so that they differ by the policy only), and
  /// passes `show` its frames.
  using ShowEpisode = core::FunctionRef<void(std::size_t task, std::size_t step, const EpisodeOutcome& outcome,
                                             const std::vector<envs::Canvas>& frames)>;
  void Render(const std::vector<AdaptedTask>& adapted, std::uint64_t seed, ShowEpisode show) const;

  /// The resolved protocol: the step sizes, episodes per step and horizon it adapts with.
  const std::vector<double>& step_sizes() const { return step_sizes_; }
  int episodes() const;
  int horizon() const;

 private:
  metalearn::MetaConfig config_;
  AdaptationProtocol protocol_;
  std::vector<double> step_sizes_;
  core::RestoredRun run_;
  std::unique_ptr<MetaPolicyOracle> evaluator_;
};

}  // namespace pmlab::rl
