#include "metarl/meta_policy_bias.h"

#include <tbb/enumerable_thread_specific.h>

namespace pmlab::rl {

core::BiasEstimate MeasureMetaPolicyBias(const MetaPolicyOracle& oracle, const core::Vector& x, int units, std::uint64_t seed,
                                         std::int64_t iteration, core::WorkerPool& pool) {
  struct Scratch {
    explicit Scratch(const MetaPolicyOracle& oracle)
        : estimator(oracle.MakeEstimator()),
          reference(oracle.MakeEstimator(MetaPolicyAlgorithm::kMamlPgDice)),
          replicate(oracle.MakeEstimator(MetaPolicyAlgorithm::kFomamlPg)) {}
    MetaPolicyGradient estimator, reference, replicate;  // the last only for its adapted return
    core::Vector estimate, exact;
  };
  tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(oracle); });
  core::BiasSums sums(x.size(), units);
  pool.ForEach(sums.Chunks(), [&](core::Index c) {
    Scratch& s = scratch.local();
    s.estimate.resize(x.size());
    s.exact.resize(x.size());
    for (core::Index u = sums.ChunkBegin(c); u < sums.ChunkEnd(c); ++u) {
      const std::uint64_t id = static_cast<std::uint64_t>(iteration) * (1ULL << 20) + static_cast<std::uint64_t>(u);
      core::Rng rng(seed, core::StreamKind::kBias, id);
      const std::string spec = oracle.family().SampleTask(rng);
      const core::Rng draws = rng;
      core::Rng other(seed, core::StreamKind::kBias, id | (1ULL << 63));
      EnvironmentEpisodes replicate(oracle.TaskRollouts(spec));
      const double baseline = -s.replicate.Estimate(x, replicate, other, 0, s.exact);
      // Fresh environments for each, so that both see the same episodes.
      EnvironmentEpisodes task(oracle.TaskRollouts(spec)), same_task(oracle.TaskRollouts(spec));
      s.estimator.Estimate(x, task, rng, baseline, s.estimate);
      rng = draws;
      s.reference.Estimate(x, same_task, rng, baseline, s.exact);
      sums.Add(u, (s.estimate - s.exact).cast<double>(), s.exact.cast<double>());
    }
  });
  return sums.Result();
}

}  // namespace pmlab::rl
