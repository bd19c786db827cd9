#include "core/opt/qsgd.h"

#include <cmath>
#include <stdexcept>

namespace pmlab::core {

Qsgd::Qsgd(Index dimension, int levels) : dimension_(dimension), levels_(levels) {
  if (levels < 1) throw std::invalid_argument("qsgd: the number of levels S must be at least 1");
}

void Qsgd::Compress(const Vector& in, Eigen::Ref<Vector> out, Rng& rng) const {
  const double norm = in.cast<double>().norm();
  if (norm == 0.0) {
    out.setZero();
    return;
  }
  for (Index i = 0; i < in.size(); ++i) {
    const double r = std::abs(static_cast<double>(in[i])) / norm * levels_;
    const double lower = std::floor(r);
    const double level = lower + (rng.Uniform() < r - lower ? 1.0 : 0.0);
    out[i] = static_cast<float>(std::copysign(norm * level / levels_, static_cast<double>(in[i])));
  }
}

double Qsgd::Bits() const {
  return 32.0 + static_cast<double>(dimension_) * (1.0 + std::ceil(std::log2(levels_ + 1.0)));
}

}  // namespace pmlab::core
