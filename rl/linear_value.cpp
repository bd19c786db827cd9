#include "rl/linear_value.h"

#include <Eigen/Cholesky>
#include <stdexcept>

namespace pmlab::rl {

LinearValue::LinearValue(int observations, int horizon)
    : horizon_(horizon), weights_(Eigen::VectorXd::Zero(2 * observations + 4)) {}

void LinearValue::set_weights(const Eigen::VectorXd& weights) {
  if (weights.size() != weights_.size())
    throw std::invalid_argument("value weights of size " + std::to_string(weights.size()) + " for " +
                                std::to_string(weights_.size()) + " features");
  weights_ = weights;
}

void LinearValue::Fit(const Normal& sum) {
  if (sum.xtx(Features() - 1, Features() - 1) == 0) return;  // the constant feature counts the samples
  // Only the lower triangle was accumulated. A ridge of 1e-5 of the mean diagonal keeps the
  // system solvable when features are collinear (an entry that never changes).
  Eigen::MatrixXd a = sum.xtx.selfadjointView<Eigen::Lower>();
  const double ridge = 1e-5 * (a.trace() / static_cast<double>(Features()) + 1e-8);
  a.diagonal().array() += ridge;
  const Eigen::VectorXd w = a.ldlt().solve(sum.xty);
  if (w.allFinite()) weights_ = w;
}

}  // namespace pmlab::rl
