#pragma once
// QSGD stochastic quantisation with s levels (Alistarh et al. 2017):
// C(g)_i = ||g||_2 sign(g_i) xi_i / s, xi_i rounding s|g_i|/||g||_2 up or down at random so
// that E[C(g)] = g. Unbiased, with variance growing as s shrinks.
#include "core/opt/compressor.h"

namespace pmlab::core {

class Qsgd final : public Compressor {
 public:
  Qsgd(Index dimension, int levels);
  void Compress(const Vector& in, Eigen::Ref<Vector> out, Rng& rng) const override;
  /// One float for the norm, then per coordinate a sign bit and the level.
  double Bits() const override;

 private:
  Index dimension_;
  int levels_;
};

}  // namespace pmlab::core
