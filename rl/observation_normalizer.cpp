#include "rl/observation_normalizer.h"

namespace pmlab::rl {

void RunningMoments::Add(const Eigen::VectorXd& x) {
  ++count;
  const double n = static_cast<double>(count);
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double delta = x[i] - mean[i];
    mean[i] += delta / n;
    m2[i] += delta * (x[i] - mean[i]);
  }
}

void RunningMoments::Merge(const RunningMoments& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  const double a = static_cast<double>(count), b = static_cast<double>(other.count), n = a + b;
  const Eigen::VectorXd delta = other.mean - mean;
  mean += delta * (b / n);
  m2 += other.m2 + delta.cwiseProduct(delta) * (a * b / n);
  count += other.count;
}

void RunningMoments::Clear() {
  count = 0;
  mean.setZero();
  m2.setZero();
}

Eigen::VectorXd RunningMoments::Variance() const {
  if (count == 0) return Eigen::VectorXd::Ones(mean.size());
  return m2 / static_cast<double>(count);
}

ObservationNormalizer::ObservationNormalizer(int size, bool enabled) : enabled_(enabled), moments_(size) { Refresh(); }

void ObservationNormalizer::Refresh() {
  shift_ = moments_.mean;
  // A constant entry (zero variance) is only centred.
  scale_ = (moments_.Variance().array() + 1e-8).rsqrt().matrix();
}

}  // namespace pmlab::rl
