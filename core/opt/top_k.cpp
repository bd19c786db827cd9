#include "core/opt/top_k.h"

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
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

PMLAB_REGISTER(Compressors(), "topk", "the k coordinates of largest magnitude, as (index, value) pairs (biased)", [](Spec& spec) {
  const KeptCoordinates kept(spec, "k", "F in (0, 1], a share of the coordinates (0.02), or a count K (1000)");
  return [kept](Index dimension) -> std::unique_ptr<Compressor> { return std::make_unique<TopK>(dimension, kept.Of(dimension)); };
});

}  // namespace

TopK::TopK(Index dimension, Index k) : Compressor(dimension), k_(k) {
  if (k < 1 || k > dimension) throw std::invalid_argument("topk: K must be between 1 and the dimension");
}

void TopK::Encode(const Vector& in, Message& out, Rng& /*rng*/) const {
  const Index d = in.size();
  // Four histograms filled in turn: neighbouring entries often share a bucket, and with one
  // histogram each increment would wait for the previous one.
  std::array<std::array<std::uint32_t, kBuckets>, 4> counts{};
  Index i = 0;
  for (; i + 4 <= d; i += 4)
    for (int lane = 0; lane < 4; ++lane) ++counts[lane][MagnitudeKey(in[i + lane]) >> kBucketShift];
  for (; i < d; ++i) ++counts[0][MagnitudeKey(in[i]) >> kBucketShift];
  const auto histogram = [&](std::size_t b) { return Index{counts[0][b]} + counts[1][b] + counts[2][b] + counts[3][b]; };

  // Walk down from the largest bucket until it holds the K-th largest magnitude.
  std::size_t bucket = kBuckets - 1;
  Index above = 0;  // entries in buckets strictly above `bucket`: all kept
  while (above + histogram(bucket) < k_) above += histogram(bucket--);

  // One pass: entries above the bucket are kept; the bucket's entries are candidates, ranked by
  // magnitude and then by lower index, packed as one integer (magnitude high, ~index low).
  // Room for every entry is reserved once per thread, so no round allocates.
  thread_local std::vector<std::int32_t> kept;
  thread_local std::vector<std::uint64_t> candidates, ranked;
  kept.clear();
  candidates.clear();
  kept.reserve(static_cast<std::size_t>(d));
  candidates.reserve(static_cast<std::size_t>(d));
  ranked.reserve(static_cast<std::size_t>(d));
  for (Index j = 0; j < d; ++j) {
    const std::uint32_t key = MagnitudeKey(in[j]);
    const std::size_t b = key >> kBucketShift;
    if (b > bucket) kept.push_back(static_cast<std::int32_t>(j));
    else if (b == bucket) candidates.push_back((std::uint64_t{key} << 32) | (0xFFFFFFFFu - static_cast<std::uint32_t>(j)));
  }
  // The candidates' ranks are distinct: the needed-th largest is a threshold that keeps exactly
  // the needed ones, found on a copy so that the candidates stay in index order.
  const auto needed = static_cast<std::ptrdiff_t>(k_ - above);
  ranked.assign(candidates.begin(), candidates.end());
  std::nth_element(ranked.begin(), ranked.begin() + (needed - 1), ranked.end(), std::greater<>());
  const std::uint64_t threshold = ranked[static_cast<std::size_t>(needed - 1)];
  std::erase_if(candidates, [&](std::uint64_t c) { return c < threshold; });

  // Both lists are in increasing index order: merge them.
  out.form = Message::Form::kSparse;
  out.index.clear();
  out.value.clear();
  out.index.reserve(static_cast<std::size_t>(k_));
  out.value.reserve(static_cast<std::size_t>(k_));
  const auto emit = [&](std::int32_t j) {
    out.index.push_back(j);
    out.value.push_back(in[j] + 0.0f);  // -0 + 0 = +0 (see Compressor::Encode)
  };
  std::size_t a = 0;
  std::ptrdiff_t c = 0;
  while (a < kept.size() || c < needed) {
    const auto from_candidates =
        c < needed ? static_cast<std::int32_t>(0xFFFFFFFFu - static_cast<std::uint32_t>(candidates[c])) : INT32_MAX;
    if (a < kept.size() && kept[a] < from_candidates) emit(kept[a++]);
    else {
      emit(from_candidates);
      ++c;
    }
  }
}

double TopK::Bits() const { return static_cast<double>(k_) * (32.0 + IndexBits(dimension())); }

}  // namespace pmlab::core
