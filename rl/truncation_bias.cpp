#include "rl/truncation_bias.h"

#include <stdexcept>

#include <tbb/enumerable_thread_specific.h>

namespace pmlab::rl {

core::BiasEstimate MeasureTruncationBias(const PolicyGradientOptions& options, const PolicyGradientOracle& oracle,
                                         const core::Vector& x, int reference_horizon, int units, std::uint64_t seed,
                                         std::int64_t iteration, core::WorkerPool& pool) {
  if (options.rollout.steps_per_environment > 0)
    throw std::invalid_argument("--measure-bias-every: measures whole episodes; use --episodes-per-worker, not --steps-per-worker");
  if (reference_horizon < options.rollout.horizon)
    throw std::invalid_argument("--bias-reference-horizon: must be at least --horizon");
  // Both gradients are of the policy's parameters only: the reference has no baseline, and the
  // value network's loss is not part of the policy gradient being measured.
  const GradientSetup estimate = oracle.Setup();
  GradientSetup reference = estimate;
  reference.estimator = EstimatorOptions{};
  reference.estimator.estimator = MakeEstimator("gpomdp");
  reference.estimator.baseline = Baseline::kNone;
  reference.estimator.discount = options.estimator.discount;
  reference.entropy_coef = 0;
  RolloutOptions long_rollout = options.rollout;
  long_rollout.horizon = reference_horizon;
  struct Scratch : Sampler {
    using Sampler::Sampler;
    StoredBatch truncated;
    core::Vector estimate, reference;
  };
  tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(long_rollout, options.policy, oracle); });
  const core::Index p = oracle.policy_size();
  core::BiasSums sums(p, units);
  pool.ForEach(sums.Chunks(), [&](core::Index c) {
    Scratch& s = scratch.local();
    s.estimate.resize(x.size());
    s.reference.resize(x.size());
    for (core::Index u = sums.ChunkBegin(c); u < sums.ChunkEnd(c); ++u) {
      core::Rng rng(seed, core::StreamKind::kBias, static_cast<std::uint64_t>(iteration) * (1ULL << 20) + static_cast<std::uint64_t>(u));
      s.rollout.Collect(*s.policy, x.head(p), oracle.normalizer(), rng, nullptr);
      s.gradient.Compute(reference, *s.policy, x, s.rollout.batch(), s.reference);
      s.truncated.Assign(s.rollout.batch(), options.rollout.horizon);
      s.gradient.Compute(estimate, *s.policy, x, s.truncated.batch(), s.estimate);
      sums.Add(u, (s.estimate - s.reference).head(p).cast<double>(), s.reference.head(p).cast<double>());
    }
  });
  return sums.Result();
}

}  // namespace pmlab::rl
