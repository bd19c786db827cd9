#include "core/opt/scaled_sign.h"

#include <algorithm>
#include <cmath>

namespace pmlab::core {
namespace {

PMLAB_REGISTER(Compressors(), "sign", "(||g||_1 / d) sign(g), one bit per coordinate (biased)", [](Spec&) {
  return [](Index dimension) -> std::unique_ptr<Compressor> { return std::make_unique<ScaledSign>(dimension); };
});

}  // namespace


void ScaledSign::Encode(const Vector& in, Message& out, Rng& /*rng*/) const {
  out.form = Message::Form::kPacked;
  out.scale = in.lpNorm<1>() / static_cast<float>(in.size());
  // Bit i of the code is 1 where in[i] < 0 (so -0 is sent as +).
  const Index d = in.size();
  out.code.resize(static_cast<std::size_t>((d + 63) / 64));
  out.code_bits = d;
  for (Index begin = 0; begin < d; begin += 64) {
    std::uint64_t word = 0;  // built in a register: one store per 64 coordinates
    for (Index i = begin; i < std::min(d, begin + 64); ++i) word |= std::uint64_t{in[i] < 0.0f} << (i - begin);
    out.code[static_cast<std::size_t>(begin >> 6)] = word;
  }
}

void ScaledSign::ExpandCode(const Message& m, Eigen::Ref<Vector> out) const {
  for (Index i = 0; i < dimension(); ++i) out[i] = WithSign(m.scale, (m.code[static_cast<std::size_t>(i >> 6)] >> (i & 63)) & 1);
}

}  // namespace pmlab::core
