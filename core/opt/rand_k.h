#pragma once
// Rand-K sparsification: K coordinates chosen uniformly without replacement by the worker's
// stream. Scaled by d/K it is unbiased (E[C(g)] = g, Stich et al. 2018); unscaled it is the
// biased variant, a contraction with E||C(g) - g||^2 = (1 - K/d)||g||^2.
#include "core/opt/compressor.h"

namespace pmlab::core {

class RandK final : public Compressor {
 public:
  RandK(Index dimension, Index k, bool scaled);
  void Encode(const Vector& in, Message& out, Rng& rng) const override;
  double Bits() const override;

 private:
  Index k_;
  bool scaled_;
};

}  // namespace pmlab::core
