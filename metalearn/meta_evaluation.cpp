#include "metalearn/meta_evaluation.h"

#include <cmath>
#include <stdexcept>

#include <tbb/enumerable_thread_specific.h>

namespace pmlab::metalearn {
namespace {

struct Scratch {
  explicit Scratch(const MetaModel& m) : estimator(m.shape, m.head, m.inner, m.algorithm) {}
  MetaGradient<float> estimator;
  TaskBatch<float> task;
  Eigen::VectorXd accuracy;
};

// Mean and 95% half-width (normal approximation) of each column of `values`.
void Summarise(const Eigen::MatrixXd& values, std::vector<double>& mean, std::vector<double>& ci95) {
  const double n = static_cast<double>(values.rows());
  mean.resize(static_cast<std::size_t>(values.cols()));
  ci95.resize(mean.size());
  for (Eigen::Index j = 0; j < values.cols(); ++j) {
    const double m = values.col(j).mean();
    const double var = n > 1 ? (values.col(j).array() - m).square().sum() / (n - 1) : 0.0;
    mean[static_cast<std::size_t>(j)] = m;
    ci95[static_cast<std::size_t>(j)] = 1.96 * std::sqrt(var / n);
  }
}

}  // namespace

HeldOutCurve EvaluateHeldOut(const TaskFamily& family, const MetaModel& model, const core::Vector& x, int tasks, int steps,
                             std::uint64_t seed, core::WorkerPool& pool) {
  if (tasks < 1) throw std::invalid_argument("--tasks: must be at least 1");
  if (steps < 0) throw std::invalid_argument("--steps: must be >= 0");
  const bool classify = family.Head() == core::LossHead::kSoftmaxCrossEntropy;
  Eigen::MatrixXd losses(tasks, steps + 1), accuracies(classify ? tasks : 0, steps + 1);
  tbb::enumerable_thread_specific<Scratch> scratch(model);
  pool.ForEach(tasks, [&](core::Index t) {
    Scratch* s = &scratch.local();
    core::Rng rng(seed, core::StreamKind::kHeldOut, static_cast<std::uint64_t>(t));
    family.Sample(rng, s->task);
    Eigen::VectorXd curve(steps + 1);
    s->accuracy.resize(steps + 1);
    s->estimator.AdaptationCurve(x, s->task, steps, curve, classify ? &s->accuracy : nullptr);
    losses.row(t) = curve.transpose();
    if (classify) accuracies.row(t) = s->accuracy.transpose();
  });
  HeldOutCurve c;
  c.tasks = tasks;
  Summarise(losses, c.loss, c.loss_ci95);
  if (classify) Summarise(accuracies, c.accuracy, c.accuracy_ci95);
  return c;
}

}  // namespace pmlab::metalearn
