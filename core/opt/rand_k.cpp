#include "core/opt/rand_k.h"

#include <stdexcept>

#include "core/opt/sampling.h"

namespace pmlab::core {

RandK::RandK(Index dimension, Index k, bool scaled) : dimension_(dimension), k_(k), scaled_(scaled) {
  if (k < 1 || k > dimension) throw std::invalid_argument("randk: K must be between 1 and the dimension");
}

void RandK::Compress(const Vector& in, Eigen::Ref<Vector> out, Rng& rng) const {
  const float scale = scaled_ ? static_cast<float>(static_cast<double>(in.size()) / static_cast<double>(k_)) : 1.0f;
  SelectionSample(in.size(), k_, rng, [&](Index i, bool picked) { out[i] = picked ? scale * in[i] : 0.0f; });
}

// Values and their indices, as for Top-K: a receiver cannot know the indices otherwise.
double RandK::Bits() const { return static_cast<double>(k_) * (32.0 + IndexBits(dimension_)); }

}  // namespace pmlab::core
