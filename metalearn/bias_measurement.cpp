#include "metalearn/bias_measurement.h"

#include <cmath>
#include <stdexcept>

#include <tbb/enumerable_thread_specific.h>

namespace pmlab::metalearn {
namespace {

// The reference: exact MAML (Meta-SGD keeps its learned step sizes) on the reference points.
MetaAlgorithm ReferenceAlgorithm(MetaAlgorithm a) { return a == MetaAlgorithm::kMetaSgd ? a : MetaAlgorithm::kMaml; }

struct Scratch {
  explicit Scratch(const MetaModel& m)
      : estimator(m.shape, m.head, m.inner, m.algorithm),
        reference(m.shape, m.head, m.inner, ReferenceAlgorithm(m.algorithm)),
        g(MetaGradient<float>::Dimension(m.shape, m.algorithm)),
        r(g.size()) {}
  MetaGradient<float> estimator, reference;
  TaskBatch<float> task, big;
  core::Vector g, r;
};

}  // namespace

core::BiasEstimate MeasureBias(const TaskFamily& family, const MetaModel& model, const core::Vector& x, int tasks,
                               int reference_points, std::uint64_t seed, std::int64_t iteration, core::WorkerPool& pool) {
  if (tasks < 2) throw std::invalid_argument("--bias-reference-tasks: must be at least 2");
  if (reference_points < 1) throw std::invalid_argument("--bias-reference-points: must be at least 1");
  core::BiasSums sums(x.size(), tasks);
  tbb::enumerable_thread_specific<Scratch> scratch(model);
  pool.ForEach(sums.Chunks(), [&](core::Index c) {
    Scratch& s = scratch.local();
    for (core::Index t = sums.ChunkBegin(c); t < sums.ChunkEnd(c); ++t) {
      core::Rng rng(seed, core::StreamKind::kBias, static_cast<std::uint64_t>(iteration) * (1ULL << 20) + static_cast<std::uint64_t>(t));
      family.Sample(rng, s.task);
      s.estimator.Estimate(x, s.task, s.g);
      s.big.task = s.task.task;
      family.DrawReferencePoints(s.big.task, reference_points, rng, s.big.support_inputs, s.big.support_targets);
      family.DrawReferencePoints(s.big.task, reference_points, rng, s.big.query_inputs, s.big.query_targets);
      s.reference.Estimate(x, s.big, s.r);
      sums.Add(t, (s.g - s.r).cast<double>(), s.r.cast<double>());
    }
  });
  return sums.Result();
}

}  // namespace pmlab::metalearn
