#include "metalearn/linear_regression_tasks.h"

#include <cmath>
#include <stdexcept>

namespace pmlab::metalearn {

LinearRegressionTasks::LinearRegressionTasks(LinearRegressionOptions options, std::uint64_t seed) : options_(options) {
  if (options.dimension < 1 || options.support < 1 || options.query < 1)
    throw std::invalid_argument("linear-regression tasks need dimension, support and query >= 1");
  if (!(options.spread >= 0.0) || !(options.noise >= 0.0)) throw std::invalid_argument("spread and noise must be >= 0");
  core::Rng rng(seed, core::StreamKind::kProblem);
  mean_.resize(options.dimension);
  for (auto& w : mean_) w = rng.Normal();
}

Eigen::VectorXd LinearRegressionTasks::SampleWeights(core::Rng& rng) const {
  Eigen::VectorXd w = mean_;
  for (auto& x : w) x += options_.spread * rng.Normal();
  return w;
}

void LinearRegressionTasks::SampleData(const Eigen::VectorXd& weights, int count, core::Rng& rng, Eigen::MatrixXd& inputs,
                                       Eigen::MatrixXd& targets) const {
  inputs.resize(weights.size(), count);
  targets.resize(1, count);
  for (int j = 0; j < count; ++j) {
    for (Eigen::Index i = 0; i < weights.size(); ++i) inputs(i, j) = rng.Normal();
    targets(0, j) = weights.dot(inputs.col(j)) + options_.noise * rng.Normal();
  }
}

void LinearRegressionTasks::ExactDesign(const Eigen::VectorXd& weights, Eigen::MatrixXd& inputs, Eigen::MatrixXd& targets) {
  const Eigen::Index p = weights.size();
  inputs.setZero(p, 2 * p);
  for (Eigen::Index k = 0; k < p; ++k) {
    inputs(k, 2 * k) = std::sqrt(static_cast<double>(p));
    inputs(k, 2 * k + 1) = -std::sqrt(static_cast<double>(p));
  }
  targets = weights.transpose() * inputs;
}

void LinearRegressionTasks::Sample(core::Rng& rng, TaskBatch<float>& task) const {
  const Eigen::VectorXd w = SampleWeights(rng);
  Eigen::MatrixXd inputs, targets;
  SampleData(w, options_.support, rng, inputs, targets);
  task.support_inputs = inputs.cast<float>();
  task.support_targets = targets.cast<float>();
  SampleData(w, options_.query, rng, inputs, targets);
  task.query_inputs = inputs.cast<float>();
  task.query_targets = targets.cast<float>();
}

Eigen::VectorXd LinearRegressionTasks::TaskMamlGradient(const Eigen::VectorXd& theta, const Eigen::VectorXd& weights, double alpha,
                                                        int steps) {
  Eigen::VectorXd target = Eigen::VectorXd::Zero(theta.size());
  target.head(weights.size()) = weights;  // (w_t, 0): the bias parameter's optimum is 0
  return 2.0 * std::pow(1.0 - 2.0 * alpha, 2 * steps) * (theta - target);
}

}  // namespace pmlab::metalearn
