#pragma once
// Compression operators C applied by each worker to the vector it sends (Beikmohammadi et al.,
// "Parallel Momentum Methods Under Biased Gradient Estimations", 2025, Sec. on compression).
// One compressor object serves every worker concurrently: Encode is const and keeps only
// per-thread scratch; randomness comes from the worker's stream. A compressor writes its output
// in the form it is sent (message.h): Top-K and Rand-K as (index, value) pairs, sign and QSGD as
// packed codes, none as dense values; Bits() is exactly the payload of that form.
#include <memory>
#include <string>

#include "core/opt/message.h"
#include "core/registry/registry.h"
#include "core/opt/rng.h"
#include "core/opt/squared_norm.h"
#include "core/opt/types.h"

namespace pmlab::core {

/// A compression operator C: one object serves every worker (see the file comment).
class Compressor {
 public:
  /// A compressor of vectors of length `dimension`.
  explicit Compressor(Index dimension) : dimension_(dimension) {}
  virtual ~Compressor() = default;
  /// d, the length of the vectors it compresses.
  Index dimension() const { return dimension_; }
  /// Writes C(in) to `out` in the form it is sent. Sparse values are never -0 (a kept -0 is sent
  /// as +0), so that a sum of sparse messages is the same float whether stored sparse or dense.
  virtual void Encode(const Vector& in, Message& out, Rng& rng) const = 0;
  /// Encode(a + b) with a + b written to `sum` and ||a||^2 added to `a_norm`: error feedback's
  /// p = g + e, its input's norm and the compression, in as few passes over the d floats as the
  /// compressor can make (Top-K: one). The same message, sum and norm as the passes one by one.
  virtual void EncodeSum(const Vector& a, const Vector& b, Vector& sum, SquaredNormSum& a_norm, Message& out, Rng& rng) const;
  /// Encode(in) with ||in||^2 added to `norm`: a worker without error feedback reports its
  /// gradient's norm, summed in the compressor's own pass where it makes one (Top-K). The same
  /// message and norm as the passes one by one.
  virtual void EncodeNorm(const Vector& in, SquaredNormSum& norm, Message& out, Rng& rng) const;
  /// Bits one worker sends per message of this compressor.
  virtual double Bits() const = 0;

  /// The d values of a message of this compressor, written to `out`.
  void Expand(const Message& message, Eigen::Ref<Vector> out) const;
  /// Gives a packed message its values in `message.dense` too; other forms are left as they are.
  void Unpack(Message& message) const;
  /// C(in) as d values (Encode, then Expand); `out` never aliases `in`.
  void Compress(const Vector& in, Eigen::Ref<Vector> out, Rng& rng) const;

 protected:
  /// The values of a packed code; only compressors that send packed codes override it.
  virtual void ExpandCode(const Message& message, Eigen::Ref<Vector> out) const;

 private:
  Index dimension_;
};

/// The compressors, by name: none, topk, randk, randk-biased, sign, qsgd, and whatever a
/// program registers. A spec is "topk:0.02" or "topk(k=0.02)" (registry.h).
using CompressorRegistry = Registry<std::unique_ptr<Compressor>(Index dimension)>;
CompressorRegistry& Compressors();

/// The compressor of `spec` ("none", "topk:0.02", "qsgd(s=16)") for vectors of length
/// `dimension`; throws std::invalid_argument naming an unknown compressor or a bad parameter,
/// a count that exceeds the dimension or a fraction that keeps no coordinate.
std::unique_ptr<Compressor> MakeCompressor(const std::string& spec, Index dimension);

/// How many coordinates a sparsifier keeps, as its parameter is written: a fraction F of the
/// dimension in (0, 1] (with a decimal point or exponent, "0.02") or a count K ("1000").
class KeptCoordinates {
 public:
  /// Binds the parameter `name` of `spec`; a spec that gives no value is refused.
  KeptCoordinates(Spec& spec, const std::string& name, const std::string& help);
  /// K for vectors of length `dimension`; throws std::invalid_argument when a count exceeds
  /// it or a fraction keeps no coordinate.
  Index Of(Index dimension) const;

 private:
  std::string component_;
  double fraction_ = 0;  // 0 when count_ is given
  Index count_ = 0;
};

/// Bits of a dense single-precision message of length `dimension`.
inline double DenseBits(Index dimension) { return 32.0 * static_cast<double>(dimension); }

/// Bits to name one coordinate out of `dimension`: ceil(log2(dimension)).
double IndexBits(Index dimension);

}  // namespace pmlab::core
