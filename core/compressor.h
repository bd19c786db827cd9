#pragma once
// Compression operators C applied by each worker to the vector it sends (Beikmohammadi et al.,
// "Parallel Momentum Methods Under Biased Gradient Estimations", 2025, Sec. on compression).
// One compressor object serves every worker concurrently: Compress is const and keeps only
// per-thread scratch; randomness comes from the worker's stream.
#include <memory>
#include <string>
#include <string_view>

#include "core/rng.h"
#include "core/types.h"

namespace pmlab::core {

class Compressor {
 public:
  virtual ~Compressor() = default;
  /// Writes C(in) to `out` (same size; `out` never aliases `in`).
  virtual void Compress(const Vector& in, Eigen::Ref<Vector> out, Rng& rng) const = 0;
  /// Bits one worker sends per message of this compressor.
  virtual double Bits() const = 0;
};

/// Builds a compressor for vectors of length `dimension` from a spec:
///   none | topk:F | topk:K | randk:F | randk:K | randk-biased:F|K | sign | qsgd:S
/// F with a decimal point or exponent is a fraction of the dimension in (0, 1]; a plain
/// integer K is a count in [1, dimension]. Throws std::invalid_argument naming what is allowed.
std::unique_ptr<Compressor> MakeCompressor(std::string_view spec, Index dimension);

/// Bits of a dense single-precision message of length `dimension`.
inline double DenseBits(Index dimension) { return 32.0 * static_cast<double>(dimension); }

/// Bits to name one coordinate out of `dimension`: ceil(log2(dimension)).
double IndexBits(Index dimension);

}  // namespace pmlab::core
