#include "metalearn/linear_regression_tasks.h"

#include <stdexcept>

namespace pmlab::metalearn {

LinearRegressionTasks::LinearRegressionTasks(LinearRegressionOptions options, TaskSizes sizes, std::uint64_t seed)
    : TaskFamily(sizes), options_(options) {
  if (options.dimension < 1) throw std::invalid_argument("linear-regression tasks need dimension >= 1");
  if (!(options.spread >= 0.0) || !(options.noise >= 0.0)) throw std::invalid_argument("spread and noise must be >= 0");
  core::Rng rng(seed, core::StreamKind::kProblem);
  mean_.resize(options.dimension);
  for (auto& w : mean_) w = rng.Normal();
}

Eigen::VectorXd LinearRegressionTasks::SampleWeights(core::Rng& rng) const {
  Eigen::VectorXd w;
  DrawTask(rng, w);
  return w;
}

void LinearRegressionTasks::DrawTask(core::Rng& rng, Eigen::VectorXd& task) const {
  task = mean_;
  for (auto& x : task) x += options_.spread * rng.Normal();
}

void LinearRegressionTasks::DrawPoints(const Eigen::VectorXd& task, int count, core::Rng& rng, core::Matrix& inputs,
                                       core::Matrix& targets) const {
  SampleData(task, count, rng, inputs, targets);
}

void LinearRegressionTasks::DrawReferencePoints(const Eigen::VectorXd& task, int /*count*/, core::Rng& /*rng*/,
                                                core::Matrix& inputs, core::Matrix& targets) const {
  ExactDesign(task, inputs, targets);
}

Eigen::VectorXd LinearRegressionTasks::TaskMamlGradient(const Eigen::VectorXd& theta, const Eigen::VectorXd& weights, double alpha,
                                                        int steps) {
  Eigen::VectorXd target = Eigen::VectorXd::Zero(theta.size());
  target.head(weights.size()) = weights;  // (w_t, 0): the bias parameter's optimum is 0
  return 2.0 * std::pow(1.0 - 2.0 * alpha, 2 * steps) * (theta - target);
}

}  // namespace pmlab::metalearn
