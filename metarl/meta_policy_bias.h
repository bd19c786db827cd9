#pragma once
// How biased a meta-RL estimator is at x: ||E[g_hat] - grad F|| / ||grad F||, with F the
// meta-objective E_task J(phi_N) for the truncated horizon, and how widely one task's estimate
// spreads. Each unit is one task. Two references:
//
// - Monte Carlo, on any family: the unit's inner and outer batches are drawn once and used twice,
//   by the run's estimator and by maml-pg-dice, whose expectation is grad F. Both take the same
//   inner steps and so draw the same episodes from the same stream; for maml-pg the difference is
//   exactly the score-function term it drops, so the mean difference measures the bias with only
//   that term's spread as Monte-Carlo error. That term's baseline b is, per task, the adapted
//   return of an independent replicate of the task's inner and outer batches: fixed before the
//   unit's own draws, so the reference stays unbiased, and close to the task's expected return
//   (a single b for all PointNav goals left the measurement's error larger than the figure).
//
// - Exact, on a family whose tasks know their return and its gradient (TabularMdp): the outer
//   batch is replaced by J(phi_N) and grad J(phi_N) (MetaPolicyOptions::exact_outer), so the
//   estimator gives its expectation given the inner batches and maml-pg-dice grad F's exact
//   part for those batches (b = the exact J(phi_N) of an independent replicate of the inner
//   batches); only the inner batches are drawn. With one inner step and
//   few enough of them (MetaBiasReference::enumerate), they are enumerated instead, each weighted
//   by its probability, and the unit's figure is exact: the Monte-Carlo error is then the spread
//   over tasks alone (zero for a family of one MDP).
//
// The spread is that of the run's estimator as it runs (its outer batch drawn), one more draw
// per unit.
#include <cstdint>

#include "core/opt/bias_estimate.h"
#include "core/opt/worker_pool.h"
#include "metarl/meta_policy_oracle.h"

namespace pmlab::rl {

/// The reference a measurement takes.
struct MetaBiasReference {
  bool exact_if_known = true;             ///< exact on families that allow it; false: Monte Carlo on any
  std::int64_t enumerate = 1 << 16;       ///< the most inner batches a unit enumerates
};

/// Measures over `units` tasks from the streams (seed, kBias, iteration, unit), so the figure
/// is the same for any thread count.
core::BiasEstimate MeasureMetaPolicyBias(const MetaPolicyOracle& oracle, const core::Vector& x, int units, std::uint64_t seed,
                                         std::int64_t iteration, core::WorkerPool& pool, const MetaBiasReference& how = {});

}  // namespace pmlab::rl
