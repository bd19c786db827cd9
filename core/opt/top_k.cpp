#include "core/opt/top_k.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace pmlab::core {
namespace {

// For non-negative floats the IEEE bit pattern orders like the value, so |x| can be ranked as
// an unsigned integer: clear the sign bit.
inline std::uint32_t MagnitudeKey(float x) { return std::bit_cast<std::uint32_t>(x) & 0x7FFFFFFFu; }
constexpr int kBucketShift = 20;  // 2^11 buckets over the 31 magnitude bits
constexpr std::size_t kBuckets = std::size_t{1} << (31 - kBucketShift);

// The sample that guesses a magnitude below the K-th largest: runs of kRun entries every
// kStride, spread over the whole vector (every layer of a network in proportion).
constexpr Index kRun = 16, kStride = 512;

PMLAB_REGISTER(Compressors(), "topk", "the k coordinates of largest magnitude, as (index, value) pairs (biased)", [](Spec& spec) {
  const KeptCoordinates kept(spec, "k", "F in (0, 1], a share of the coordinates (0.02), or a count K (1000)");
  return [kept](Index dimension) -> std::unique_ptr<Compressor> { return std::make_unique<TopK>(dimension, kept.Of(dimension)); };
});

// Scratch of one thread, grown once: no round allocates. Loops reach it through plain
// pointers, since every use of a thread-local vector inside a loop looks up its address again.
struct Scratch {
  std::vector<std::int32_t> kept;       // candidates' indices, in increasing order
  std::vector<std::uint32_t> keys;      // their values' bits, in the same order
  std::vector<std::uint32_t> selected;  // the magnitude keys of the bucket holding the K-th largest
  std::vector<std::uint32_t> sample;    // the sample's magnitude keys

  static Scratch& Of(Index d) {
    thread_local Scratch s;
    const auto n = static_cast<std::size_t>(d);
    if (s.kept.size() < n) {
      s.kept.resize(n);
      s.keys.resize(n);
      s.selected.resize(n);
      s.sample.resize(n / kStride * kRun + kRun);
    }
    return s;
  }
};

// A magnitude key that at least K of the d entries reach, most likely by a margin of a
// quarter, guessed from the sample of `value(j)`; 0 (every entry) when the sample is too small.
template <typename Value>
std::uint32_t GuessLowerKey(Index d, Index k, std::uint32_t* sample, Value value) {
  std::uint32_t* end = sample;
  for (Index start = 0; start + kRun <= d; start += kStride)
    for (Index j = start; j < start + kRun; ++j) *end++ = MagnitudeKey(value(j));
  // Expected sample entries above the K-th largest, with a quarter more and four standard
  // deviations (runs of neighbours are correlated) to spare.
  const double expected = static_cast<double>(end - sample) * static_cast<double>(k) / static_cast<double>(d);
  const auto rank = static_cast<std::ptrdiff_t>(1.25 * expected + 4.0 * std::sqrt(expected) + 16.0);
  if (rank >= end - sample) return 0;
  std::nth_element(sample, sample + rank, end, std::greater<>());
  return sample[rank];
}

#ifdef __AVX512F__
// Sixteen entries compared at once, the indices that pass stored together: no branch to
// mispredict on the few percent that pass (five times faster than a scalar loop on the
// paper's gradient).
inline std::int32_t* KeepGroup(__m512 values, std::uint32_t lowest, Index j, std::int32_t* out) {
  const __m512i keys = _mm512_and_si512(_mm512_castps_si512(values), _mm512_set1_epi32(0x7FFFFFFF));
  const __mmask16 pass = _mm512_cmpge_epu32_mask(keys, _mm512_set1_epi32(static_cast<int>(lowest)));
  const __m512i index = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(j)),
                                         _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  _mm512_mask_compressstoreu_epi32(out, pass, index);
  return out + std::popcount(static_cast<unsigned>(pass));
}
#endif

// The indices of the entries of `v` whose magnitude key is at least `lowest`, in increasing
// order, written from `out`; returns the end. With `norm`, ||v||^2 is added to it in the same
// pass.
std::int32_t* KeepFrom(const float* v, Index d, std::uint32_t lowest, std::int32_t* out, SquaredNormSum* norm = nullptr) {
  constexpr Index kLanes = SquaredNormSum::kLanes;
  Index j = 0;
#ifdef __AVX512F__
  static_assert(kLanes == 16);
  for (; j + kLanes <= d; j += kLanes) {
    if (norm) norm->AddGroup(v + j);
    out = KeepGroup(_mm512_loadu_ps(v + j), lowest, j, out);
  }
#endif
  if (norm) norm->Add(v + j, d - j);
  for (; j < d; ++j)
    if (MagnitudeKey(v[j]) >= lowest) *out++ = static_cast<std::int32_t>(j);
  return out;
}

// KeepFrom over a + b, writing a + b to `sum` and adding ||a||^2 to `a_norm` in the same pass.
std::int32_t* KeepSumFrom(const float* a, const float* b, float* sum, Index d, std::uint32_t lowest, SquaredNormSum& a_norm,
                          std::int32_t* out) {
  constexpr Index kLanes = SquaredNormSum::kLanes;
  Index j = 0;
  for (; j + kLanes <= d; j += kLanes) {
    a_norm.AddGroup(a + j);
#ifdef __AVX512F__
    static_assert(kLanes == 16);
    const __m512 s = _mm512_add_ps(_mm512_loadu_ps(a + j), _mm512_loadu_ps(b + j));
    _mm512_storeu_ps(sum + j, s);
    out = KeepGroup(s, lowest, j, out);
#else
    for (Index i = j; i < j + kLanes; ++i) {
      sum[i] = a[i] + b[i];
      if (MagnitudeKey(sum[i]) >= lowest) *out++ = static_cast<std::int32_t>(i);
    }
#endif
  }
  a_norm.Add(a + j, d - j);
  for (; j < d; ++j) {
    sum[j] = a[j] + b[j];
    if (MagnitudeKey(sum[j]) >= lowest) *out++ = static_cast<std::int32_t>(j);
  }
  return out;
}

// The k-th largest magnitude key of the n floats whose bits are given (1 <= k <= n): a
// histogram of the keys' top bits finds the bucket that holds it, and only that bucket's keys
// are ordered (nth_element over all n was most of the selection's time). `scratch` holds n keys.
std::uint32_t KthLargestKey(const std::uint32_t* bits, std::ptrdiff_t n, Index k, std::uint32_t* scratch) {
  std::array<std::uint32_t, kBuckets> counts{};
  for (std::ptrdiff_t c = 0; c < n; ++c) ++counts[(bits[c] & 0x7FFFFFFFu) >> kBucketShift];
  std::size_t bucket = kBuckets - 1;
  Index above = 0;
  while (above + counts[bucket] < k) above += counts[bucket--];
  std::uint32_t* end = scratch;
  for (std::ptrdiff_t c = 0; c < n; ++c) {
    const std::uint32_t key = bits[c] & 0x7FFFFFFFu;
    if ((key >> kBucketShift) == bucket) *end++ = key;
  }
  const std::ptrdiff_t rank = k - above - 1;
  std::nth_element(scratch, scratch + rank, end, std::greater<>());
  return scratch[rank];
}

}  // namespace

TopK::TopK(Index dimension, Index k) : Compressor(dimension), k_(k) {
  if (k < 1 || k > dimension) throw std::invalid_argument("topk: K must be between 1 and the dimension");
}

// Every entry at or above a magnitude guessed from a sample is a candidate: all of the K
// largest are, when at least K reach it, which the count shows. Otherwise (or when the guess
// lets in far more than K) a histogram finds the exact bucket of the K-th largest instead.
void TopK::Encode(const Vector& in, Message& out, Rng& /*rng*/) const {
  Scratch& s = Scratch::Of(in.size());
  const std::uint32_t guess = GuessLowerKey(in.size(), k_, s.sample.data(), [&](Index j) { return in[j]; });
  const std::int32_t* last = guess > 0 ? KeepFrom(in.data(), in.size(), guess, s.kept.data()) : s.kept.data();
  Select(in, last - s.kept.data(), out);
}

// The same, with ||in||^2 summed in the pass that keeps the candidates.
void TopK::EncodeNorm(const Vector& in, SquaredNormSum& norm, Message& out, Rng& /*rng*/) const {
  Scratch& s = Scratch::Of(in.size());
  const std::uint32_t guess = GuessLowerKey(in.size(), k_, s.sample.data(), [&](Index j) { return in[j]; });
  // Without a guess the pass keeps nothing and Select falls back to the histogram.
  const std::int32_t* last = KeepFrom(in.data(), in.size(), guess > 0 ? guess : 0xFFFFFFFFu, s.kept.data(), &norm);
  Select(in, last - s.kept.data(), out);
}

// The same, with the sample drawn from a + b as it will be, and the pass that keeps the
// candidates the one that writes the sum: the worker reads g and e once and writes p once.
void TopK::EncodeSum(const Vector& a, const Vector& b, Vector& sum, SquaredNormSum& a_norm, Message& out, Rng& /*rng*/) const {
  const Index d = a.size();
  Scratch& s = Scratch::Of(d);
  sum.resize(d);
  const std::uint32_t guess = GuessLowerKey(d, k_, s.sample.data(), [&](Index j) { return a[j] + b[j]; });
  // Without a guess the pass keeps nothing (no key reaches 2^32 - 1) and Select falls back to
  // the histogram; the pass still writes the sum.
  const std::int32_t* last = KeepSumFrom(a.data(), b.data(), sum.data(), d, guess > 0 ? guess : 0xFFFFFFFFu, a_norm, s.kept.data());
  Select(sum, last - s.kept.data(), out);
}

// From the first `found` candidates in scratch (their indices in increasing order): the K of
// largest rank, in index order, into `out`.
void TopK::Select(const Vector& in, std::ptrdiff_t found, Message& out) const {
  const Index d = in.size();
  Scratch& s = Scratch::Of(d);
  std::int32_t* const kept = s.kept.data();
  if (found < k_ || found > 4 * k_ + 1024) {
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
    Index above = 0;
    while (above + histogram(bucket) < k_) above += histogram(bucket--);
    found = KeepFrom(in.data(), d, static_cast<std::uint32_t>(bucket << kBucketShift), kept) - kept;
  }

  // The K-th largest key among the candidates; all above it are kept, and of those equal to it
  // the ones of lowest index, as many as K leaves room for. Each candidate's bits are read once
  // (the value sent is rebuilt from them).
  std::uint32_t* const bits = s.keys.data();
  for (std::ptrdiff_t c = 0; c < found; ++c) bits[c] = std::bit_cast<std::uint32_t>(in[kept[c]]);
  const std::uint32_t threshold = KthLargestKey(bits, found, k_, s.selected.data());
  Index above = 0;
  for (std::ptrdiff_t c = 0; c < found; ++c) above += (bits[c] & 0x7FFFFFFFu) > threshold;
  Index ties = k_ - above;

  out.form = Message::Form::kSparse;
  out.index.resize(static_cast<std::size_t>(k_));
  out.value.resize(static_cast<std::size_t>(k_));
  std::int32_t* index = out.index.data();
  float* value = out.value.data();
  for (std::ptrdiff_t c = 0; c < found; ++c) {
    const std::uint32_t key = bits[c] & 0x7FFFFFFFu;
    if (key < threshold || (key == threshold && ties-- <= 0)) continue;
    *index++ = kept[c];
    *value++ = std::bit_cast<float>(bits[c]) + 0.0f;  // -0 + 0 = +0 (see Compressor::Encode)
  }
}

double TopK::Bits() const { return static_cast<double>(k_) * (32.0 + IndexBits(dimension())); }

}  // namespace pmlab::core
