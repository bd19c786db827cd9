#pragma once
// How biased the workers' gradient is at x, truncation first: the run's estimator on episodes
// cut at the horizon H, against an unbiased reference of the discounted objective, GPOMDP
// without a baseline on the same episodes run on to a longer reference horizon (10 H by
// default, or until the MDP or its time limit ends them). Each unit is one worker's batch of
// episodes, so that batch-dependent choices (a mean baseline, advantage normalisation) keep
// their effect; the first H steps of every episode are exactly those a horizon-H rollout with
// the same draws takes, so the difference carries no sampling noise of its own beyond what the
// truncation and the estimator add.
#include <cstdint>

#include "core/opt/bias_estimate.h"
#include "core/opt/worker_pool.h"
#include "rl/policy_gradient_oracle.h"

namespace pmlab::rl {

/// `units` batches from the streams (seed, kBias, iteration, unit), so the figure is the same
/// for any thread count; the oracle supplies the observation statistics and value function.
core::BiasEstimate MeasureTruncationBias(const PolicyGradientOptions& options, const PolicyGradientOracle& oracle,
                                         const core::Vector& x, int reference_horizon, int units, std::uint64_t seed,
                                         std::int64_t iteration, core::WorkerPool& pool);

}  // namespace pmlab::rl
