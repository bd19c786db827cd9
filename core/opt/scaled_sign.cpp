#include "core/opt/scaled_sign.h"

namespace pmlab::core {

void ScaledSign::Compress(const Vector& in, Eigen::Ref<Vector> out, Rng& /*rng*/) const {
  const float scale = in.lpNorm<1>() / static_cast<float>(in.size());
  out = scale * in.array().sign().matrix();
}

}  // namespace pmlab::core
