#pragma once
// A vector of d standard normal entries from a seeded stream, for the optimisation tests.
#include "core/opt/rng.h"
#include "core/opt/types.h"

namespace pmlab::core {

inline Vector RandomVector(Index d, std::uint64_t seed) {
  Rng rng(seed);
  Vector v(d);
  for (Index i = 0; i < d; ++i) v[i] = static_cast<float>(rng.Normal());
  return v;
}

}  // namespace pmlab::core
