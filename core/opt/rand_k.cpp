#include "core/opt/rand_k.h"

#include <stdexcept>

#include "core/opt/sampling.h"

namespace pmlab::core {
namespace {

PMLAB_REGISTER(Compressors(), "randk", "k coordinates drawn uniformly, scaled by d/k (unbiased)", [](Spec& spec) {
  const KeptCoordinates kept(spec, "k", "F in (0, 1], a share of the coordinates (0.02), or a count K (1000)");
  return [kept](Index dimension) -> std::unique_ptr<Compressor> { return std::make_unique<RandK>(dimension, kept.Of(dimension), true); };
});
PMLAB_REGISTER(Compressors(), "randk-biased", "k coordinates drawn uniformly, not rescaled (biased)", [](Spec& spec) {
  const KeptCoordinates kept(spec, "k", "F in (0, 1], a share of the coordinates (0.02), or a count K (1000)");
  return [kept](Index dimension) -> std::unique_ptr<Compressor> { return std::make_unique<RandK>(dimension, kept.Of(dimension), false); };
});

}  // namespace


RandK::RandK(Index dimension, Index k, bool scaled) : Compressor(dimension), k_(k), scaled_(scaled) {
  if (k < 1 || k > dimension) throw std::invalid_argument("randk: K must be between 1 and the dimension");
}

void RandK::Encode(const Vector& in, Message& out, Rng& rng) const {
  const float scale = scaled_ ? static_cast<float>(static_cast<double>(in.size()) / static_cast<double>(k_)) : 1.0f;
  out.form = Message::Form::kSparse;
  out.index.clear();
  out.value.clear();
  out.index.reserve(static_cast<std::size_t>(k_));
  out.value.reserve(static_cast<std::size_t>(k_));
  SelectionSample(in.size(), k_, rng, [&](Index i, bool picked) {
    if (!picked) return;
    out.index.push_back(static_cast<std::int32_t>(i));
    out.value.push_back(scale * in[i] + 0.0f);  // -0 + 0 = +0 (see Compressor::Encode)
  });
}

// Values and their indices, as for Top-K: a receiver cannot know the indices otherwise.
double RandK::Bits() const { return static_cast<double>(k_) * (32.0 + IndexBits(dimension())); }

}  // namespace pmlab::core
