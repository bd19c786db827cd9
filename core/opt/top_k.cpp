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

// Where a keeping pass writes its candidates: their indices, in increasing order, and their
// values' bits beside them, so that the selection never reads the vector again (after a pass
// that streams its sum past the cache, that read would be one miss per candidate).
struct Candidates {
  std::int32_t* index;
  std::uint32_t* bits;
  void Keep(float v, Index j) {
    *index++ = static_cast<std::int32_t>(j);
    *bits++ = std::bit_cast<std::uint32_t>(v);
  }
};

// Scratch of one thread, grown once: no round allocates. Loops reach it through plain
// pointers, since every use of a thread-local vector inside a loop looks up its address again.
struct Scratch {
  std::vector<std::int32_t> kept;       // candidates' indices, in increasing order
  std::vector<std::uint32_t> keys;      // their values' bits, in the same order
  std::vector<std::uint32_t> selected;  // the magnitude keys of the bucket holding the K-th largest
  std::vector<std::uint32_t> sample;    // the sample's magnitude keys

  Candidates Start() { return {kept.data(), keys.data()}; }

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

#ifdef __AVX512F__
// Sixteen entries compared at once, the indices and values that pass stored together: no branch
// to mispredict on the few percent that pass (five times faster than a scalar loop on the
// paper's gradient).
inline void KeepGroup(__m512 values, std::uint32_t lowest, Index j, Candidates& out) {
  const __m512i bits = _mm512_castps_si512(values);
  const __m512i keys = _mm512_and_si512(bits, _mm512_set1_epi32(0x7FFFFFFF));
  const __mmask16 pass = _mm512_cmpge_epu32_mask(keys, _mm512_set1_epi32(static_cast<int>(lowest)));
  const __m512i index = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(j)),
                                         _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  _mm512_mask_compressstoreu_epi32(out.index, pass, index);
  _mm512_mask_compressstoreu_epi32(out.bits, pass, bits);
  const int passed = std::popcount(static_cast<unsigned>(pass));
  out.index += passed;
  out.bits += passed;
}
#endif

// The entries of `v` whose magnitude key is at least `lowest`, written to `out`. With `norm`,
// ||v||^2 is added to it in the same pass.
void KeepFrom(const float* v, Index d, std::uint32_t lowest, Candidates& out, SquaredNormSum* norm = nullptr) {
  constexpr Index kLanes = SquaredNormSum::kLanes;
  Index j = 0;
#ifdef __AVX512F__
  static_assert(kLanes == 16);
  for (; j + kLanes <= d; j += kLanes) {
    if (norm) norm->AddGroup(v + j);
    KeepGroup(_mm512_loadu_ps(v + j), lowest, j, out);
  }
#endif
  if (norm) norm->Add(v + j, d - j);
  for (; j < d; ++j)
    if (MagnitudeKey(v[j]) >= lowest) out.Keep(v[j], j);
}

// KeepFrom over a + b, writing a + b to `sum` and adding ||a||^2 to `a_norm` in the same pass.
// The sum is streamed to memory past the cache: it is read next as a worker's error memory in
// the next round, and a plain store would first read each line's old contents (a thousand
// workers' memories do not fit in any cache).
void KeepSumFrom(const float* a, const float* b, float* sum, Index d, std::uint32_t lowest, SquaredNormSum& a_norm, Candidates& out) {
  constexpr Index kLanes = SquaredNormSum::kLanes;
  Index j = 0;
#ifdef __AVX512F__
  static_assert(kLanes == 16);
  const bool aligned = reinterpret_cast<std::uintptr_t>(sum) % 64 == 0;
  for (; j + kLanes <= d; j += kLanes) {
    a_norm.AddGroup(a + j);
    const __m512 s = _mm512_add_ps(_mm512_loadu_ps(a + j), _mm512_loadu_ps(b + j));
    if (aligned) _mm512_stream_ps(sum + j, s);
    else _mm512_storeu_ps(sum + j, s);
    KeepGroup(s, lowest, j, out);
  }
  _mm_sfence();
#endif
  a_norm.Add(a + j, d - j);
  for (; j < d; ++j) {
    sum[j] = a[j] + b[j];
    if (MagnitudeKey(sum[j]) >= lowest) out.Keep(sum[j], j);
  }
}

// Counts of magnitude keys by their top bits, in four histograms filled in turn: neighbouring
// keys often share a bucket (a candidate list is mostly a few), and with one histogram each
// increment would wait for the previous one.
class BucketCounts {
 public:
  /// Counts key(0), ..., key(n - 1).
  template <typename Key>
  explicit BucketCounts(std::ptrdiff_t n, Key key) {
    std::ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4)
      for (int lane = 0; lane < 4; ++lane) ++counts_[lane][key(i + lane) >> kBucketShift];
    for (; i < n; ++i) ++counts_[0][key(i) >> kBucketShift];
  }
  /// The bucket that holds the k-th largest key, walking down from the largest; `above` is
  /// how many keys lie in the buckets above it.
  std::size_t Holding(Index k, Index& above) const {
    std::size_t bucket = kBuckets - 1;
    above = 0;
    while (above + Count(bucket) < k) above += Count(bucket--);
    return bucket;
  }

 private:
  Index Count(std::size_t b) const { return Index{counts_[0][b]} + counts_[1][b] + counts_[2][b] + counts_[3][b]; }
  std::array<std::array<std::uint32_t, kBuckets>, 4> counts_{};
};

// The magnitude keys of the n values whose bits are given that fall into `bucket` when shifted
// right by `shift` and masked to `mask`, written to `out`; returns the end. Written whether they
// belong or not and kept by the step (or sixteen compared at once): membership is close to a
// coin toss, and a branch on it mispredicted for most of this loop's time.
std::uint32_t* GatherBucket(const std::uint32_t* bits, std::ptrdiff_t n, int shift, std::uint32_t mask, std::uint32_t bucket,
                            std::uint32_t* out) {
  std::ptrdiff_t c = 0;
#ifdef __AVX512F__
  const __m512i magnitude = _mm512_set1_epi32(0x7FFFFFFF), masked = _mm512_set1_epi32(static_cast<int>(mask)),
                wanted = _mm512_set1_epi32(static_cast<int>(bucket));
  for (; c + 16 <= n; c += 16) {
    const __m512i key = _mm512_and_si512(_mm512_loadu_si512(bits + c), magnitude);
    const __m512i top = _mm512_and_si512(_mm512_srl_epi32(key, _mm_cvtsi32_si128(shift)), masked);
    const __mmask16 in = _mm512_cmpeq_epi32_mask(top, wanted);
    _mm512_mask_compressstoreu_epi32(out, in, key);
    out += std::popcount(static_cast<unsigned>(in));
  }
#endif
  for (; c < n; ++c) {
    const std::uint32_t key = bits[c] & 0x7FFFFFFFu;
    *out = key;
    out += ((key >> shift) & mask) == bucket;
  }
  return out;
}

// The k-th largest magnitude key of the n floats whose bits are given (1 <= k <= n): the
// histogram of the top bits finds the bucket that holds it, a histogram of the next bits over
// that bucket's keys the sub-bucket, and only the few keys there are ordered (nth_element over
// all n, then over the bucket, was most of the selection's time). `scratch` holds n keys.
std::uint32_t KthLargestKey(const std::uint32_t* bits, std::ptrdiff_t n, Index k, std::uint32_t* scratch) {
  constexpr std::uint32_t kTop = kBuckets - 1;
  Index above = 0;
  const std::size_t bucket = BucketCounts(n, [&](std::ptrdiff_t c) { return bits[c] & 0x7FFFFFFFu; }).Holding(k, above);
  const std::uint32_t* const end = GatherBucket(bits, n, kBucketShift, kTop, static_cast<std::uint32_t>(bucket), scratch);
  // The next 11 bits, as the top ones were: BucketCounts reads them from keys shifted left.
  constexpr int kNext = 31 - kBucketShift;
  Index above_sub = 0;
  const std::size_t sub =
      BucketCounts(end - scratch, [&](std::ptrdiff_t c) { return (scratch[c] << kNext) & 0x7FFFFFFFu; }).Holding(k - above, above_sub);
  const int sub_shift = kBucketShift - kNext;
  std::uint32_t* const sub_end = GatherBucket(scratch, end - scratch, sub_shift, kTop, static_cast<std::uint32_t>(sub), scratch);
  const std::ptrdiff_t rank = k - above - above_sub - 1;
  std::nth_element(scratch, scratch + rank, sub_end, std::greater<>());
  return scratch[rank];
}

// A magnitude key that at least K of the d entries reach, most likely by a margin of a
// quarter, guessed from the sample of `value(j)`; 0 (every entry) when the sample is too small.
template <typename Value>
std::uint32_t GuessLowerKey(Index d, Index k, std::uint32_t* sample, std::uint32_t* scratch, Value value) {
  std::uint32_t* end = sample;
  for (Index start = 0; start + kRun <= d; start += kStride)
    for (Index j = start; j < start + kRun; ++j) *end++ = MagnitudeKey(value(j));
  // Expected sample entries above the K-th largest, with a quarter more and four standard
  // deviations (runs of neighbours are correlated) to spare.
  const double expected = static_cast<double>(end - sample) * static_cast<double>(k) / static_cast<double>(d);
  const auto rank = static_cast<std::ptrdiff_t>(1.25 * expected + 4.0 * std::sqrt(expected) + 16.0);
  if (rank >= end - sample) return 0;
  return KthLargestKey(sample, end - sample, rank + 1, scratch);
}

// From the candidates a pass kept in scratch, up to `end`: the K of largest rank, in index
// order, into `out`.
void Select(const Vector& in, Index k, Candidates end, Message& out) {
  const Index d = in.size();
  Scratch& s = Scratch::Of(d);
  const std::int32_t* const kept = s.kept.data();
  std::ptrdiff_t found = end.index - kept;
  if (found < k || found > 4 * k + 1024) {
    Index above = 0;
    const std::size_t bucket = BucketCounts(d, [&](std::ptrdiff_t i) { return MagnitudeKey(in[i]); }).Holding(k, above);
    end = s.Start();
    KeepFrom(in.data(), d, static_cast<std::uint32_t>(bucket << kBucketShift), end);
    found = end.index - kept;
  }

  // The K-th largest key among the candidates; all above it are kept, and of those equal to it
  // the ones of lowest index, as many as K leaves room for (the value sent is rebuilt from the
  // kept bits).
  const std::uint32_t* const bits = s.keys.data();
  const std::uint32_t threshold = KthLargestKey(bits, found, k, s.selected.data());
  Index above = 0;
  for (std::ptrdiff_t c = 0; c < found; ++c) above += (bits[c] & 0x7FFFFFFFu) > threshold;
  Index ties = k - above;

  out.form = Message::Form::kSparse;
  out.index.resize(static_cast<std::size_t>(k));
  out.value.resize(static_cast<std::size_t>(k));
  std::int32_t* index = out.index.data();
  float* value = out.value.data();
  const auto keep = [&](std::ptrdiff_t from, std::ptrdiff_t to) {
    for (std::ptrdiff_t c = from; c < to; ++c) {
      const std::uint32_t key = bits[c] & 0x7FFFFFFFu;
      if (key < threshold || (key == threshold && ties-- <= 0)) continue;
      *index++ = kept[c];
      *value++ = std::bit_cast<float>(bits[c]) + 0.0f;  // -0 + 0 = +0 (see Compressor::Encode)
    }
  };
  std::ptrdiff_t c = 0;
#ifdef __AVX512F__
  // Sixteen at a time where none ties with the threshold: about a third of the candidates are
  // dropped, at random, and a branch on each mispredicted for most of this loop's time.
  const __m512i magnitude = _mm512_set1_epi32(0x7FFFFFFF), limit = _mm512_set1_epi32(static_cast<int>(threshold));
  for (; c + 16 <= found; c += 16) {
    const __m512i word = _mm512_loadu_si512(bits + c), key = _mm512_and_si512(word, magnitude);
    if (_mm512_cmpeq_epi32_mask(key, limit) != 0) {
      keep(c, c + 16);
      continue;
    }
    const __mmask16 in = _mm512_cmpgt_epu32_mask(key, limit);
    _mm512_mask_compressstoreu_epi32(index, in, _mm512_loadu_si512(kept + c));
    _mm512_mask_compressstoreu_ps(value, in, _mm512_add_ps(_mm512_castsi512_ps(word), _mm512_setzero_ps()));
    index += std::popcount(static_cast<unsigned>(in));
    value += std::popcount(static_cast<unsigned>(in));
  }
#endif
  keep(c, found);
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
  const std::uint32_t guess = GuessLowerKey(in.size(), k_, s.sample.data(), s.selected.data(), [&](Index j) { return in[j]; });
  Candidates found = s.Start();
  if (guess > 0) KeepFrom(in.data(), in.size(), guess, found);
  Select(in, k_, found, out);
}

// The same, with ||in||^2 summed in the pass that keeps the candidates.
void TopK::EncodeNorm(const Vector& in, SquaredNormSum& norm, Message& out, Rng& /*rng*/) const {
  Scratch& s = Scratch::Of(in.size());
  const std::uint32_t guess = GuessLowerKey(in.size(), k_, s.sample.data(), s.selected.data(), [&](Index j) { return in[j]; });
  // Without a guess the pass keeps nothing and Select falls back to the histogram.
  Candidates found = s.Start();
  KeepFrom(in.data(), in.size(), guess > 0 ? guess : 0xFFFFFFFFu, found, &norm);
  Select(in, k_, found, out);
}

// The same, with the sample drawn from a + b as it will be, and the pass that keeps the
// candidates the one that writes the sum: the worker reads g and e once and writes p once.
void TopK::EncodeSum(const Vector& a, const Vector& b, Vector& sum, SquaredNormSum& a_norm, Message& out, Rng& /*rng*/) const {
  const Index d = a.size();
  Scratch& s = Scratch::Of(d);
  sum.resize(d);
  const std::uint32_t guess = GuessLowerKey(d, k_, s.sample.data(), s.selected.data(), [&](Index j) { return a[j] + b[j]; });
  // Without a guess the pass keeps nothing (no key reaches 2^32 - 1) and Select falls back to
  // the histogram; the pass still writes the sum.
  Candidates found = s.Start();
  KeepSumFrom(a.data(), b.data(), sum.data(), d, guess > 0 ? guess : 0xFFFFFFFFu, a_norm, found);
  Select(sum, k_, found, out);
}

double TopK::Bits() const { return static_cast<double>(k_) * (32.0 + IndexBits(dimension())); }

}  // namespace pmlab::core
