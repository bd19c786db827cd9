#pragma once
// Scaled sign compression (Karimireddy et al. 2019, "Error Feedback Fixes SignSGD"):
// C(g) = (||g||_1 / d) sign(g). Biased; one bit per coordinate plus one float, sent packed. One
// bit cannot say zero, so a zero coordinate is sent, and counted, as +.
#include "core/opt/compressor.h"

namespace pmlab::core {

class ScaledSign final : public Compressor {
 public:
  explicit ScaledSign(Index dimension) : Compressor(dimension) {}
  void Encode(const Vector& in, Message& out, Rng& rng) const override;
  double Bits() const override { return static_cast<double>(dimension()) + 32.0; }

 protected:
  void ExpandCode(const Message& message, Eigen::Ref<Vector> out) const override;
};

}  // namespace pmlab::core
