#pragma once
// How biased a meta-gradient estimator is at x: ||E[g_hat] - grad F|| / ||grad F||, where F is
// the MAML objective over the task distribution. Each of M tasks is drawn once and used twice:
// for the estimator at its configured sizes (shots, inner batch, Hessian batch) and for a
// reference, the exact MAML gradient on the family's reference points (an exact design on
// linreg, so exact there; a large sample elsewhere, whose own bias shrinks like 1/points).
// The mean difference over the common tasks estimates E[g_hat] - grad F without the spread of
// the tasks themselves; its Monte-Carlo standard error is reported beside it.
#include <cstdint>

#include "core/opt/bias_estimate.h"
#include "core/opt/worker_pool.h"
#include "metalearn/meta_evaluation.h"

namespace pmlab::metalearn {

/// Measures the bias of `model`'s estimator at x over `tasks` tasks of `family`, with
/// `reference_points` points per reference set. Tasks come from the stream (seed, kBias,
/// iteration, t), so the figure is the same whatever the thread count.
core::BiasEstimate MeasureBias(const TaskFamily& family, const MetaModel& model, const core::Vector& x, int tasks,
                         int reference_points, std::uint64_t seed, std::int64_t iteration, core::WorkerPool& pool);

}  // namespace pmlab::metalearn
