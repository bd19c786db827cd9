#pragma once
// Compression operators C applied by each worker to the vector it sends (Beikmohammadi et al.,
// "Parallel Momentum Methods Under Biased Gradient Estimations", 2025, Sec. on compression).
// One compressor object serves every worker concurrently: Compress is const and keeps only
// per-thread scratch; randomness comes from the worker's stream.
#include <memory>
#include <string>
#include <string_view>

#include "core/opt/rng.h"
#include "core/opt/types.h"

namespace pmlab::core {

class Compressor {
 public:
  virtual ~Compressor() = default;
  /// Writes C(in) to `out` (same size; `out` never aliases `in`).
  virtual void Compress(const Vector& in, Eigen::Ref<Vector> out, Rng& rng) const = 0;
  /// Bits one worker sends per message of this compressor.
  virtual double Bits() const = 0;
};

/// Which compressor a worker applies, as typed at the command line:
///   none | topk:F | topk:K | randk:F | randk:K | randk-biased:F|K | sign | qsgd:S
/// F with a decimal point or exponent is a fraction of the dimension in (0, 1]; a plain
/// integer K is a count, checked against the dimension when the compressor is built.
struct CompressorSpec {
  enum class Kind { kNone, kTopK, kRandK, kRandKBiased, kSign, kQsgd };
  Kind kind = Kind::kNone;  ///< default none
  double fraction = 0;      ///< topk / randk: share of the coordinates kept, in (0, 1]; 0 when `count` is given
  Index count = 0;          ///< topk / randk: coordinates kept (>= 1); qsgd: levels S (>= 1)

  /// Throws std::invalid_argument naming what is allowed.
  static CompressorSpec Parse(std::string_view spec);
  /// The text Parse reads back to this spec.
  std::string Spec() const;
};

/// The compressor of `spec` for vectors of length `dimension`; throws std::invalid_argument
/// when a count exceeds the dimension or a fraction keeps no coordinate.
std::unique_ptr<Compressor> MakeCompressor(const CompressorSpec& spec, Index dimension);
inline std::unique_ptr<Compressor> MakeCompressor(std::string_view spec, Index dimension) {
  return MakeCompressor(CompressorSpec::Parse(spec), dimension);
}

/// Bits of a dense single-precision message of length `dimension`.
inline double DenseBits(Index dimension) { return 32.0 * static_cast<double>(dimension); }

/// Bits to name one coordinate out of `dimension`: ceil(log2(dimension)).
double IndexBits(Index dimension);

}  // namespace pmlab::core
