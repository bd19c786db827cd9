#pragma once
// Top-K sparsification over the whole flattened vector, as in the paper's experiments: exactly
// K entries of largest magnitude are kept; among equal magnitudes the lower index wins.
// Selection is O(d): one pass keeps the entries at or above a magnitude that a sample of 1/32
// of the entries puts safely below the K-th largest, and only those few are partially sorted;
// when the count shows the guess was wrong, a histogram over the high bits of |g| finds the
// bucket of the K-th largest instead. Either way the result is exact.
#include "core/opt/compressor.h"

namespace pmlab::core {

class TopK final : public Compressor {
 public:
  TopK(Index dimension, Index k);
  void Encode(const Vector& in, Message& out, Rng& rng) const override;
  void EncodeSum(const Vector& a, const Vector& b, Vector& sum, SquaredNormSum& a_norm, Message& out, Rng& rng) const override;
  void EncodeNorm(const Vector& in, SquaredNormSum& norm, Message& out, Rng& rng) const override;
  double Bits() const override;
  Index k() const { return k_; }

 private:
  Index k_;
};

}  // namespace pmlab::core
