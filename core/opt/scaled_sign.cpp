#include "core/opt/scaled_sign.h"

#include <cmath>

namespace pmlab::core {

void ScaledSign::Encode(const Vector& in, Message& out, Rng& /*rng*/) const {
  out.form = Message::Form::kPacked;
  out.scale = in.lpNorm<1>() / static_cast<float>(in.size());
  BitPacker pack(out.code, out.code_bits);
  for (Index i = 0; i < in.size(); ++i) pack.Put(std::signbit(in[i]) && in[i] != 0.0f ? 1 : 0, 1);
}

void ScaledSign::ExpandCode(const Message& m, Eigen::Ref<Vector> out) const {
  for (Index i = 0; i < dimension(); ++i) out[i] = CodeBits(m.code, i, 1) ? -m.scale : m.scale;
}

}  // namespace pmlab::core
