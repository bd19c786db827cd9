#include "metalearn/bias_measurement.h"

#include <cmath>
#include <stdexcept>

#include <tbb/enumerable_thread_specific.h>

namespace pmlab::metalearn {
namespace {

// Tasks are summed in fixed chunks, then the chunks in order: the same sums on any thread count.
constexpr core::Index kChunk = 16;

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

BiasEstimate MeasureBias(const TaskFamily& family, const MetaModel& model, const core::Vector& x, int tasks,
                         int reference_points, std::uint64_t seed, std::int64_t iteration, core::WorkerPool& pool) {
  if (tasks < 2) throw std::invalid_argument("--bias-reference-tasks: must be at least 2");
  if (reference_points < 1) throw std::invalid_argument("--bias-reference-points: must be at least 1");
  const core::Index d = x.size();
  const core::Index chunks = (tasks + kChunk - 1) / kChunk;
  Eigen::MatrixXd diff_sum = Eigen::MatrixXd::Zero(d, chunks), ref_sum = Eigen::MatrixXd::Zero(d, chunks);
  Eigen::VectorXd diff_sq = Eigen::VectorXd::Zero(chunks);
  tbb::enumerable_thread_specific<Scratch> scratch(model);
  pool.ForEach(chunks, [&](core::Index c) {
    Scratch& s = scratch.local();
    for (core::Index t = c * kChunk; t < std::min<core::Index>(tasks, (c + 1) * kChunk); ++t) {
      core::Rng rng(seed, core::StreamKind::kBias, static_cast<std::uint64_t>(iteration) * (1ULL << 20) + static_cast<std::uint64_t>(t));
      family.Sample(rng, s.task);
      s.estimator.Estimate(x, s.task, s.g);
      s.big.task = s.task.task;
      family.DrawReferencePoints(s.big.task, reference_points, rng, s.big.support_inputs, s.big.support_targets);
      family.DrawReferencePoints(s.big.task, reference_points, rng, s.big.query_inputs, s.big.query_targets);
      s.reference.Estimate(x, s.big, s.r);
      const Eigen::VectorXd diff = (s.g - s.r).cast<double>();
      diff_sum.col(c) += diff;
      ref_sum.col(c) += s.r.cast<double>();
      diff_sq(c) += diff.squaredNorm();
    }
  });
  const double m = tasks;
  const Eigen::VectorXd mean_diff = diff_sum.rowwise().sum() / m;
  const Eigen::VectorXd mean_ref = ref_sum.rowwise().sum() / m;
  const double reference_norm = mean_ref.norm();
  // Standard error of the mean difference vector: sqrt(trace of its covariance / M).
  const double spread = std::max(0.0, (diff_sq.sum() / m - mean_diff.squaredNorm()) * m / (m - 1));
  BiasEstimate e;
  e.relative_bias = mean_diff.norm() / reference_norm;
  e.monte_carlo = std::sqrt(spread / m) / reference_norm;
  return e;
}

}  // namespace pmlab::metalearn
