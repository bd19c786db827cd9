#pragma once
// QSGD stochastic quantisation with s levels (Alistarh et al. 2017):
// C(g)_i = ||g||_2 sign(g_i) xi_i / s, xi_i rounding s|g_i|/||g||_2 up or down at random so
// that E[C(g)] = g. Unbiased, with variance growing as s shrinks. Sent packed: the norm as one
// float, then per coordinate a sign bit and the level in ceil(log2(s + 1)) bits.
#include "core/opt/compressor.h"

namespace pmlab::core {

class Qsgd final : public Compressor {
 public:
  Qsgd(Index dimension, int levels);
  void Encode(const Vector& in, Message& out, Rng& rng) const override;
  double Bits() const override;

 protected:
  void ExpandCode(const Message& message, Eigen::Ref<Vector> out) const override;

 private:
  /// |C(g)_i| at `level`: ||g|| level / S, rounded once to float.
  float Magnitude(float norm, std::uint64_t level) const;

  int levels_;
  int level_bits_;
};

}  // namespace pmlab::core
