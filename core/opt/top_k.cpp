#include "core/opt/top_k.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

namespace pmlab::core {
namespace {

// For non-negative floats the IEEE bit pattern orders like the value, so |x| can be ranked as
// an unsigned integer: clear the sign bit.
inline std::uint32_t MagnitudeKey(float x) { return std::bit_cast<std::uint32_t>(x) & 0x7FFFFFFFu; }
constexpr int kBucketShift = 20;  // 2^11 buckets over the 31 magnitude bits
constexpr std::size_t kBuckets = std::size_t{1} << (31 - kBucketShift);

}  // namespace

TopK::TopK(Index dimension, Index k) : Compressor(dimension), k_(k) {
  if (k < 1 || k > dimension) throw std::invalid_argument("topk: K must be between 1 and the dimension");
}

void TopK::Encode(const Vector& in, Message& out, Rng& /*rng*/) const {
  const Index d = in.size();
  std::array<std::uint32_t, kBuckets> histogram{};
  for (Index i = 0; i < d; ++i) ++histogram[MagnitudeKey(in[i]) >> kBucketShift];

  // Walk down from the largest bucket until it holds the K-th largest magnitude.
  std::size_t bucket = kBuckets - 1;
  Index above = 0;  // entries in buckets strictly above `bucket`
  while (above + histogram[bucket] < k_) above += histogram[bucket--];

  // Room for a bucket holding every entry, reserved once per thread: growing to fit a bucket
  // fuller than any before would allocate in the middle of a run.
  thread_local std::vector<std::uint32_t> candidates;
  candidates.clear();
  candidates.reserve(static_cast<std::size_t>(d));
  for (Index i = 0; i < d; ++i) {
    const std::uint32_t key = MagnitudeKey(in[i]);
    if ((key >> kBucketShift) == bucket) candidates.push_back(key);
  }
  const auto rank = static_cast<std::ptrdiff_t>(k_ - above - 1);
  std::nth_element(candidates.begin(), candidates.begin() + rank, candidates.end(), std::greater<>());
  const std::uint32_t threshold = candidates[rank];
  const Index strictly_greater =
      above + std::count_if(candidates.begin(), candidates.end(), [&](std::uint32_t c) { return c > threshold; });

  out.form = Message::Form::kSparse;
  out.index.clear();
  out.value.clear();
  out.index.reserve(static_cast<std::size_t>(k_));
  out.value.reserve(static_cast<std::size_t>(k_));
  Index ties_left = k_ - strictly_greater;
  for (Index i = 0; i < d; ++i) {
    const std::uint32_t key = MagnitudeKey(in[i]);
    if (key > threshold || (key == threshold && ties_left-- > 0)) {
      out.index.push_back(static_cast<std::int32_t>(i));
      out.value.push_back(in[i] + 0.0f);  // -0 + 0 = +0 (see Compressor::Encode)
    }
  }
}

double TopK::Bits() const { return static_cast<double>(k_) * (32.0 + IndexBits(dimension())); }

}  // namespace pmlab::core
