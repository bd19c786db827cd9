#pragma once
// Counter-free random streams: xoshiro256** (Blackman & Vigna, 2018) seeded by SplitMix64.
// We do not use <random> distributions because their output differs between standard
// libraries; every draw here is specified bit for bit, so runs are reproducible anywhere.
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace pmlab::core {

/// Identifies what a stream is for, so that streams of different purposes never coincide.
enum class StreamKind : std::uint64_t { kWorker = 1, kData = 2, kInit = 3, kProblem = 4, kHeldOut = 5, kBias = 6, kEnvironment = 7, kEpisodeSeeds = 8 };

// 64x64 -> 128-bit products for unbiased bounded integers; __extension__ keeps -Wpedantic quiet.
__extension__ using Uint128 = unsigned __int128;

/// xoshiro256** streams, one per (seed, kind, id): deterministic whatever thread draws.
class Rng {
 public:
  /// The four words of the generator.
  using State = std::array<std::uint64_t, 4>;

  Rng() : Rng(0) {}
  /// A stream determined by the run seed, its purpose and an id (e.g. the worker index).
  Rng(std::uint64_t seed, StreamKind kind = StreamKind::kWorker, std::uint64_t id = 0) {
    std::uint64_t s = SplitMix(seed ^ SplitMix(static_cast<std::uint64_t>(kind) * 0x9E3779B97F4A7C15ULL + id));
    for (auto& word : state_) word = SplitMix(s);
  }

  /// The next 64 random bits.
  std::uint64_t NextU64() {
    const std::uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  /// Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }
  /// Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

  /// Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject). Requires n > 0.
  std::uint64_t Below(std::uint64_t n) {
    Uint128 m = static_cast<Uint128>(NextU64()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<Uint128>(NextU64()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  /// Standard normal by Box-Muller; draws two uniforms per call and keeps no cached value,
  /// so the state is just the four words.
  double Normal() {
    const double u1 = 1.0 - Uniform();  // in (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  /// Fisher-Yates shuffle of a random-access range.
  template <typename It>
  void Shuffle(It first, It last) {
    const auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = n; i > 1; --i) std::swap(first[i - 1], first[Below(i)]);
  }

  /// The state, for checkpoints.
  const State& state() const { return state_; }
  /// Restores a state from state().
  void set_state(const State& s) { state_ = s; }
  /// Same state.
  friend bool operator==(const Rng&, const Rng&) = default;

 private:
  static std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t SplitMix(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  static std::uint64_t SplitMix(std::uint64_t&& x) { return SplitMix(x); }

  State state_{};
};

}  // namespace pmlab::core
