#pragma once
// Top-K sparsification over the whole flattened vector, as in the paper's experiments: exactly
// K entries of largest magnitude are kept; among equal magnitudes the lower index wins.
// Selection is O(d): a histogram over the high bits of |g| finds the bucket holding the K-th
// largest magnitude, and only that bucket is partially sorted (no full sort of d entries).
#include "core/opt/compressor.h"

namespace pmlab::core {

class TopK final : public Compressor {
 public:
  TopK(Index dimension, Index k);
  void Encode(const Vector& in, Message& out, Rng& rng) const override;
  double Bits() const override;
  Index k() const { return k_; }

 private:
  Index k_;
};

}  // namespace pmlab::core
