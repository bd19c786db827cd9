#include "core/opt/bias_estimate.h"

#include <cmath>
#include <stdexcept>

namespace pmlab::core {

BiasSums::BiasSums(Index d, Index units) : units_(units) {
  if (units < 2) throw std::invalid_argument("a bias measurement needs at least 2 units");
  const Index chunks = (units + kChunk - 1) / kChunk;
  diff_.setZero(d, chunks);
  ref_.setZero(d, chunks);
  diff_sq_.setZero(chunks);
  est_.setZero(d, chunks);
  est_sq_.setZero(chunks);
  estimates_.assign(static_cast<std::size_t>(chunks), 0);
}

void BiasSums::Add(Index i, const Eigen::VectorXd& difference, const Eigen::VectorXd& reference, const Eigen::VectorXd* estimate) {
  const Index c = i / kChunk;
  diff_.col(c) += difference;
  ref_.col(c) += reference;
  diff_sq_(c) += difference.squaredNorm();
  if (estimate) {
    est_.col(c) += *estimate;
    est_sq_(c) += estimate->squaredNorm();
    ++estimates_[static_cast<std::size_t>(c)];
  }
}

BiasEstimate BiasSums::Result() const {
  const double m = static_cast<double>(units_);
  const Eigen::VectorXd mean_diff = diff_.rowwise().sum() / m;
  const Eigen::VectorXd mean_ref = ref_.rowwise().sum() / m;
  const double reference_norm = mean_ref.norm();
  // Standard error of the mean difference vector: sqrt(trace of its covariance / M).
  const double spread = std::max(0.0, (diff_sq_.sum() / m - mean_diff.squaredNorm()) * m / (m - 1));
  BiasEstimate result{mean_diff.norm() / reference_norm, std::sqrt(spread / m) / reference_norm};
  Index estimates = 0;
  for (const Index n : estimates_) estimates += n;
  if (estimates == units_) {
    const Eigen::VectorXd mean_est = est_.rowwise().sum() / m;
    const double variance = std::max(0.0, (est_sq_.sum() / m - mean_est.squaredNorm()) * m / (m - 1));
    result.relative_spread = std::sqrt(variance) / reference_norm;
  }
  return result;
}

}  // namespace pmlab::core
