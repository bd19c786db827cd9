#include "core/opt/compressor.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/opt/exact_number.h"
#include "core/opt/flag_context.h"

namespace pmlab::core {
namespace {

class Identity final : public Compressor {
 public:
  explicit Identity(Index dimension) : Compressor(dimension) {}
  void Encode(const Vector& in, Message& out, Rng& /*rng*/) const override {
    out.form = Message::Form::kDense;
    out.dense = in;
  }
  double Bits() const override { return DenseBits(dimension()); }
};

PMLAB_REGISTER(Compressors(), "none", "the gradient itself, dense (32 bits per coordinate)", [](Spec&) {
  return [](Index dimension) -> std::unique_ptr<Compressor> { return std::make_unique<Identity>(dimension); };
});

}  // namespace

CompressorRegistry& Compressors() {
  static CompressorRegistry registry("compressor", "Compressors", "--compress");
  return registry;
}

std::unique_ptr<Compressor> MakeCompressor(const std::string& spec, Index dimension) {
  return Within("compressor '" + spec + "'", [&] { return Compressors().Make(spec, dimension); });
}

KeptCoordinates::KeptCoordinates(Spec& spec, const std::string& name, const std::string& help) : component_(spec.component()) {
  std::string text;
  spec.Text(name, &text, help);
  if (spec.describing()) return;
  if (text.empty()) spec.Reject(name, "needs a value: " + component_ + ":F with F in (0, 1], or " + component_ + ":K with K >= 1");
  // "0.02" is a fraction of the dimension, "1000" a count.
  const auto v = ParseNumber(text);
  if (text.find_first_of(".eE") != std::string::npos) {
    if (!v || !(*v > 0.0 && *v <= 1.0)) spec.Reject(name, "as a fraction must be a number in (0, 1], not '" + text + "'");
    fraction_ = *v;
  } else {
    if (!v || *v < 1 || *v != std::floor(*v) || *v > 9e18) spec.Reject(name, "as a count must be a whole number >= 1, not '" + text + "'");
    count_ = static_cast<Index>(*v);
  }
}

Index KeptCoordinates::Of(Index dimension) const {
  if (fraction_ > 0) {
    const auto k = static_cast<Index>(std::llround(fraction_ * static_cast<double>(dimension)));
    if (k < 1) throw std::invalid_argument(component_ + ": the fraction keeps no coordinate of " + std::to_string(dimension));
    return k;
  }
  if (count_ > dimension)
    throw std::invalid_argument(component_ + ": the count must be from 1 to the dimension " + std::to_string(dimension));
  return count_;
}

void Compressor::Expand(const Message& m, Eigen::Ref<Vector> out) const {
  switch (m.form) {
    case Message::Form::kDense: out = m.dense; break;
    case Message::Form::kSparse:
      out.setZero();
      m.AddSparseTo(out);
      break;
    case Message::Form::kPacked: ExpandCode(m, out); break;
  }
}

void Compressor::Unpack(Message& m) const {
  if (m.form != Message::Form::kPacked) return;
  m.dense.resize(dimension_);
  ExpandCode(m, m.dense);
}

void Compressor::EncodeSum(const Vector& a, const Vector& b, Vector& sum, SquaredNormSum& a_norm, Message& out, Rng& rng) const {
  sum = a + b;
  a_norm.Add(a.data(), a.size());
  Encode(sum, out, rng);
}

void Compressor::EncodeNorm(const Vector& in, SquaredNormSum& norm, Message& out, Rng& rng) const {
  norm.Add(in.data(), in.size());
  Encode(in, out, rng);
}

void Compressor::Compress(const Vector& in, Eigen::Ref<Vector> out, Rng& rng) const {
  thread_local Message message;
  Encode(in, message, rng);
  Expand(message, out);
}

void Compressor::ExpandCode(const Message& /*message*/, Eigen::Ref<Vector> /*out*/) const {
  throw std::logic_error("this compressor sends no packed code");
}

double IndexBits(Index dimension) { return std::ceil(std::log2(static_cast<double>(std::max<Index>(dimension, 2)))); }

}  // namespace pmlab::core
