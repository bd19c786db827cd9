#include "rl/reuse_bias.h"

#include <tbb/enumerable_thread_specific.h>

namespace pmlab::rl {

core::BiasEstimate MeasureReuseBias(const PolicyGradientOptions& options, const PolicyGradientOracle& oracle, const core::Vector& start,
                                    const core::Vector& x, int units, std::uint64_t seed, std::int64_t iteration, int epoch,
                                    core::WorkerPool& pool) {
  RolloutOptions fresh = options.rollout;
  fresh.persistent = false;
  fresh.return_discount = 0;
  const GradientSetup setup = oracle.Setup();
  const ReuseClip clip = options.estimator.estimator->reuse_clip();
  const bool per_step = options.estimator.mean == GradientMean::kStep;
  struct Scratch : Sampler {
    using Sampler::Sampler;
    KeptBatch kept;
    MinibatchStorage storage;
    core::Vector reused, reference;
  };
  tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(fresh, options.policy, oracle); });
  const core::Index p = oracle.policy_size();
  core::BiasSums sums(p, units);
  // The whole kept batch's gradient at x of samples drawn and weighed at `drawn`.
  const auto estimate = [&](Scratch& s, const core::Vector& drawn, std::uint64_t stream, core::Vector& out) {
    core::Rng rng(seed, core::StreamKind::kBias, stream);
    s.rollout.Collect(*s.policy, drawn.head(p), oracle.normalizer(), rng, nullptr);
    s.gradient.Weigh(setup, drawn, s.rollout.batch());
    s.kept.Keep(s.rollout.batch(), s.gradient, *s.policy, drawn.head(p), fresh.environments);
    const SampleBatch samples = s.kept.Minibatch(0, 1, s.storage);
    ReuseFigures figures;
    out.resize(x.size());
    s.gradient.ComputeOnSamples(setup, clip, *s.policy, x, samples, s.kept.Divisor(s.kept.size(), per_step), out, figures);
  };
  pool.ForEach(sums.Chunks(), [&](core::Index c) {
    Scratch& s = scratch.local();
    for (core::Index u = sums.ChunkBegin(c); u < sums.ChunkEnd(c); ++u) {
      // Both draws take the same stream (common random numbers: the same resets, and the same
      // actions for as long as the two policies agree), which leaves the difference of their
      // expectations, the bias, as it is and removes most of the two batches' own spread.
      // 24 bits of iteration, 20 of epoch (at most 100,000) and 20 of unit (at most 2^20): streams
      // repeat only between measurements 2^24 iterations apart.
      const std::uint64_t unit = (((static_cast<std::uint64_t>(iteration) << 20) | static_cast<std::uint64_t>(epoch)) << 20) |
                                 static_cast<std::uint64_t>(u);
      estimate(s, start, unit, s.reused);  // drawn at the round's start, reused at x
      estimate(s, x, unit, s.reference);   // drawn at x: on-policy
      sums.Add(u, (s.reused - s.reference).head(p).cast<double>(), s.reference.head(p).cast<double>());
    }
  });
  return sums.Result();
}

}  // namespace pmlab::rl
