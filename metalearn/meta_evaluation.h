#pragma once
// Meta-testing: adapt the meta-parameters to held-out tasks with the inner loop and measure
// the query loss after 0, 1, ..., K steps, as mean and 95% confidence half-width over tasks.
// Task t always comes from its own stream (the run seed, kHeldOut, t), so every evaluation of a
// run sees the same tasks whatever the thread count, and curves of two checkpoints compare.
#include <vector>

#include "core/opt/worker_pool.h"
#include "metalearn/task_family.h"

namespace pmlab::metalearn {

/// Held-out loss (and accuracy) after 0..K adaptation steps.
struct HeldOutCurve {
  int tasks = 0;  ///< held-out tasks averaged
  std::vector<double> loss;           ///< per step 0..K: mean query loss
  std::vector<double> loss_ci95;      ///< its 95% half-width
  std::vector<double> accuracy;       ///< per step 0..K: mean accuracy (classification only)
  std::vector<double> accuracy_ci95;  ///< its 95% half-width
};

/// What meta-learns: the network, its loss head, the inner loop, and the estimator.
struct MetaModel {
  core::MlpShape shape;  ///< the network
  core::LossHead head = core::LossHead::kMeanSquaredError;  ///< its loss
  InnerLoopOptions inner;  ///< the adaptation
  MetaAlgorithm algorithm = MetaAlgorithm::kMaml;  ///< how the meta-gradient is taken
};

/// The curve over `tasks` held-out tasks of `family` for K = `steps` adaptation steps.
HeldOutCurve EvaluateHeldOut(const TaskFamily& family, const MetaModel& model, const core::Vector& x, int tasks, int steps,
                             std::uint64_t seed, core::WorkerPool& pool);

}  // namespace pmlab::metalearn
