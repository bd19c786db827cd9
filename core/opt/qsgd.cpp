#include "core/opt/qsgd.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace pmlab::core {
namespace {

PMLAB_REGISTER(Compressors(), "qsgd", "stochastic quantisation to s levels of |g_i| / ||g|| (unbiased; Alistarh et al. 2017)", [](Spec& spec) {
  std::int64_t levels = 0;  // required
  spec.Integer("s", &levels, 1, std::int64_t{1} << 30, "levels S, from 1 to 2^30");
  return [levels](Index dimension) -> std::unique_ptr<Compressor> { return std::make_unique<Qsgd>(dimension, static_cast<int>(levels)); };
});

}  // namespace


Qsgd::Qsgd(Index dimension, int levels)
    : Compressor(dimension), levels_(levels), level_bits_(static_cast<int>(std::ceil(std::log2(levels + 1.0)))) {
  if (levels < 1) throw std::invalid_argument("qsgd: the number of levels S must be at least 1");
}

void Qsgd::Encode(const Vector& in, Message& out, Rng& rng) const {
  // The norm is rounded to the float that is sent, and the levels are drawn against that float,
  // so that E[C(g)] = g holds for the values the server decodes.
  const auto norm = static_cast<float>(in.cast<double>().norm());
  out.form = Message::Form::kPacked;
  out.scale = norm;
  BitPacker pack(out.code, out.code_bits);
  for (Index i = 0; i < in.size(); ++i) {
    std::uint64_t level = 0;
    if (norm > 0) {
      // Rounding the norm down can put |g_i| a hair above it: clamp to the top level.
      const double r = std::min(std::abs(static_cast<double>(in[i])) / norm * levels_, static_cast<double>(levels_));
      const double lower = std::floor(r);
      level = static_cast<std::uint64_t>(lower) + (rng.Uniform() < r - lower ? 1 : 0);
    }
    pack.Put((level << 1) | (std::signbit(in[i]) ? 1 : 0), level_bits_ + 1);
  }
}

float Qsgd::Magnitude(float norm, std::uint64_t level) const {
  return static_cast<float>(static_cast<double>(norm) * static_cast<double>(level) / levels_);
}

void Qsgd::ExpandCode(const Message& m, Eigen::Ref<Vector> out) const {
  const int width = level_bits_ + 1;
  // The magnitude of each level, once per message rather than once per coordinate, when the
  // levels are few (the usual S <= 256).
  thread_local std::vector<float> magnitudes;
  const bool tabled = levels_ <= 4096;
  if (tabled) {
    magnitudes.resize(static_cast<std::size_t>(levels_) + 1);
    for (int l = 0; l <= levels_; ++l) magnitudes[static_cast<std::size_t>(l)] = Magnitude(m.scale, static_cast<std::uint64_t>(l));
  }
  for (Index i = 0; i < dimension(); ++i) {
    const std::uint64_t bits = CodeBits(m.code, i * width, width);
    const float magnitude = tabled ? magnitudes[bits >> 1] : Magnitude(m.scale, bits >> 1);
    out[i] = WithSign(magnitude, bits & 1);
  }
}

double Qsgd::Bits() const { return 32.0 + static_cast<double>(dimension()) * (1.0 + level_bits_); }

}  // namespace pmlab::core
