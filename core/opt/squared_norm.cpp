#include "core/opt/squared_norm.h"

namespace pmlab::core {

void SquaredNormSum::Add(const float* v, Index n) {
  Index i = 0;
  for (; i + kLanes <= n; i += kLanes) AddGroup(v + i);
  for (; i < n; ++i) tail_ += static_cast<double>(v[i]) * v[i];
}

void SquaredNormSum::AddDifference(const float* a, const float* b, Index n) {
  Index i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (Index l = 0; l < kLanes; ++l) {
      const double x = a[i + l] - b[i + l];
      lanes_[l] += x * x;
    }
  for (; i < n; ++i) {
    const double x = a[i] - b[i];
    tail_ += x * x;
  }
}

double SquaredNormSum::Total() const {
  double total = 0;
  for (const double lane : lanes_) total += lane;
  return total + tail_;
}

double SquaredNorm(const Vector& v) {
  SquaredNormSum sum;
  sum.Add(v.data(), v.size());
  return sum.Total();
}

double SquaredDistance(const Vector& a, const Vector& b) {
  SquaredNormSum sum;
  sum.AddDifference(a.data(), b.data(), a.size());
  return sum.Total();
}

}  // namespace pmlab::core
