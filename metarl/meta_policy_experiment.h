#pragma once
// Meta-RL as a problem of the run loop: `pmlab meta --task pointnav --algo maml-pg`. Builds
// the oracle of meta_policy_oracle.h and the held-out evaluation (returns before and after
// adaptation on tasks of their own stream), from options the command line has already read.
#include <cstdint>
#include <vector>

#include "core/opt/worker_pool.h"
#include "core/run/run_session.h"
#include "metalearn/meta_experiment.h"
#include "metarl/meta_policy_oracle.h"

namespace pmlab::rl {

/// The task family spec of a --task name: pointnav, lunar-gravity and cartpole name the
/// families of envs/, and a family spec ("PointNav(goal_range=1)") names itself. Empty when
/// the name is neither (a supervised task, or unknown).
std::string MetaPolicyFamily(const std::string& task);

/// The problem of a meta run on an RL task (throws std::invalid_argument naming the flag of an
/// option that does not fit).
core::MakeProblem MetaPolicyProblem(const metalearn::MetaConfig& config);

/// Returns before and after each of 0..steps adaptation steps on `tasks` held-out tasks.
struct AdaptationTable {
  int tasks = 0;
  std::vector<double> mean, ci95;  ///< per step: mean return over tasks, 95% half-width
};

/// Held-out task k is drawn, and its episodes run, from stream (seed, kHeldOut, k), so every
/// evaluation of a run sees the same tasks and draws.
AdaptationTable EvaluateAdaptation(const MetaPolicyOracle& oracle, const core::Vector& x, int tasks, int steps, std::uint64_t seed,
                                   core::WorkerPool& pool);

/// Meta-testing of a checkpoint of a run with `config`; `iteration` receives the checkpoint's.
AdaptationTable MetaPolicyTestCheckpoint(const metalearn::MetaConfig& config, const core::RunCheckpoint& checkpoint, int tasks,
                                         int steps, std::int64_t& iteration);

}  // namespace pmlab::rl
