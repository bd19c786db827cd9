#pragma once
// How biased a meta-RL estimator is at x: ||E[g_hat] - grad F|| / ||grad F||, with F the
// meta-objective E_task J(phi_N) for the truncated horizon. Each unit is one task whose inner and
// outer batches are drawn once and used twice, by the run's estimator and by maml-pg-dice, whose
// expectation is grad F. Both take the same inner steps and so draw the same episodes from the
// same stream; for maml-pg the difference is exactly the score-function term it drops, so the
// mean difference measures the bias with only that term's spread as Monte-Carlo error. That
// term's baseline b is, per task, the adapted return of an independent replicate of the task's
// inner and outer batches: fixed before the unit's own draws, so the reference stays unbiased,
// and close to the task's expected return, which removes the spread of returns across tasks (a
// single b for all PointNav goals left the measurement's error larger than the figure).
#include <cstdint>

#include "core/opt/bias_estimate.h"
#include "core/opt/worker_pool.h"
#include "metarl/meta_policy_oracle.h"

namespace pmlab::rl {

/// Measures over `units` tasks from the streams (seed, kBias, iteration, unit), so the figure
/// is the same for any thread count.
core::BiasEstimate MeasureMetaPolicyBias(const MetaPolicyOracle& oracle, const core::Vector& x, int units, std::uint64_t seed,
                                         std::int64_t iteration, core::WorkerPool& pool);

}  // namespace pmlab::rl
