#pragma once
// How biased sample reuse is at the parameters a round has reached: the gradient that samples
// drawn at the round's start x_0, and weighed there (advantages, value targets, the drawing
// policy's log-probabilities), give at the current x, against the on-policy gradient of fresh
// samples drawn at x with the same estimator. Each unit is one worker batch of each, both from
// one of the run's bias streams (common random numbers), so the figure is the same on any
// thread count. The reused batch is
// taken whole (the expectation of the minibatches'), and fresh batches start from resets.
#include <cstdint>

#include "core/opt/bias_estimate.h"
#include "core/opt/worker_pool.h"
#include "rl/policy_gradient_oracle.h"

namespace pmlab::rl {

/// `units` batch pairs from the streams (seed, kBias, iteration, epoch, unit).
core::BiasEstimate MeasureReuseBias(const PolicyGradientOptions& options, const PolicyGradientOracle& oracle, const core::Vector& start,
                                    const core::Vector& x, int units, std::uint64_t seed, std::int64_t iteration, int epoch,
                                    core::WorkerPool& pool);

}  // namespace pmlab::rl
