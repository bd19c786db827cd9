#pragma once
// Scaled sign compression (Karimireddy et al. 2019, "Error Feedback Fixes SignSGD"):
// C(g) = (||g||_1 / d) sign(g). Biased; one bit per coordinate plus one float.
#include "core/opt/compressor.h"

namespace pmlab::core {

class ScaledSign final : public Compressor {
 public:
  explicit ScaledSign(Index dimension) : dimension_(dimension) {}
  void Compress(const Vector& in, Eigen::Ref<Vector> out, Rng& rng) const override;
  double Bits() const override { return static_cast<double>(dimension_) + 32.0; }

 private:
  Index dimension_;
};

}  // namespace pmlab::core
