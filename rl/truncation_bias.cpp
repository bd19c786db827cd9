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
  EstimatorOptions unbiased;
  unbiased.estimator = Estimator::kGpomdp;
  unbiased.baseline = Baseline::kNone;
  unbiased.discount = options.estimator.discount;
  RolloutOptions long_rollout = options.rollout;
  long_rollout.horizon = reference_horizon;
  struct Scratch {
    Scratch(const RolloutOptions& r, const PolicyOptions& p)
        : rollout(r), policy(MakePolicy<float>(p, rollout.observation_space(), rollout.action_space())) {}
    RolloutCollector rollout;
    std::unique_ptr<Policy<float>> policy;
    TruncatedBatch truncated;
    BatchGradient gradient;
    core::Vector estimate, reference;
  };
  tbb::enumerable_thread_specific<Scratch> scratch(long_rollout, options.policy);
  core::BiasSums sums(x.size(), units);
  const int environments = options.rollout.environments;
  pool.ForEach(sums.Chunks(), [&](core::Index c) {
    Scratch& s = scratch.local();
    s.estimate.resize(x.size());
    s.reference.resize(x.size());
    for (core::Index u = sums.ChunkBegin(c); u < sums.ChunkEnd(c); ++u) {
      core::Rng rng(seed, core::StreamKind::kBias, static_cast<std::uint64_t>(iteration) * (1ULL << 20) + static_cast<std::uint64_t>(u));
      s.rollout.Collect(*s.policy, x, oracle.normalizer(), rng, nullptr);
      s.gradient.Compute(unbiased, 0, environments, oracle.value(), *s.policy, x, s.rollout.batch(), s.reference, nullptr);
      s.truncated.Assign(s.rollout.batch(), options.rollout.horizon);
      s.gradient.Compute(options.estimator, options.entropy_coef, environments, oracle.value(), *s.policy, x, s.truncated.batch(),
                         s.estimate, nullptr);
      sums.Add(u, (s.estimate - s.reference).cast<double>(), s.reference.cast<double>());
    }
  });
  return sums.Result();
}

}  // namespace pmlab::rl
