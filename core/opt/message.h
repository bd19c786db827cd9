#pragma once
// A worker's message to the server, in the form a wire carries it: dense values, (index, value)
// pairs, or a compressor's packed code (a scale and a bit string). The same object is a node of
// the server's fixed-order sum (fixed_order_sum.h), so a sparse message stays sparse from the
// worker to the sum, and crosses between processes as exactly the bits the `bits` column counts
// plus a header of a few bytes.
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "core/opt/byte_stream.h"
#include "core/opt/types.h"

namespace pmlab::core {

/// One worker's contribution as it is sent: dense, sparse or a packed code.
struct Message {
  /// How the values are stored
  enum class Form : std::uint8_t { kDense, kSparse, kPacked };
  Form form = Form::kDense;  ///< which of the fields below hold the message
  Vector dense;                       ///< kDense: the d values (kept as capacity in other forms)
  std::vector<std::int32_t> index;    ///< kSparse: increasing coordinates
  std::vector<float> value;           ///< kSparse: their values
  float scale = 0;                    ///< kPacked: the code's scale (sign: ||g||_1/d; QSGD: ||g||)
  std::vector<std::uint64_t> code;    ///< kPacked: the bit string, little-endian within words
  std::int64_t code_bits = 0;         ///< kPacked: its length in bits

  /// Writes the message to `out` as it travels; `dimension` sizes sparse indices at
  /// ceil(log2 d) bits each.
  void Write(ByteWriter& out, Index dimension) const;
  /// Reads what Write wrote; throws std::runtime_error when the bytes do not fit `dimension`.
  void Read(ByteReader& in, Index dimension);
  /// Scatters a kSparse message into `out` (which the caller has zeroed or holds a sum).
  void AddSparseTo(Eigen::Ref<Vector> out) const;
};

/// Appends bits, low bits first, to a bit string of 64-bit words. The word being filled is
/// kept in a register and stored when full; the last, partial word when the packer goes out of
/// scope, so read the string only after that.
class BitPacker {
 public:
  /// Starts `words` (of `bit_count` bits) afresh.
  BitPacker(std::vector<std::uint64_t>& words, std::int64_t& bit_count) : words_(words), bits_(bit_count) {
    words_.clear();
    bits_ = 0;
  }
  ~BitPacker() {
    if (used_ > 0) words_.push_back(word_);
  }
  BitPacker(const BitPacker&) = delete;
  BitPacker& operator=(const BitPacker&) = delete;

  /// Appends the low `count` bits of `bits` (1 <= count <= 64; higher bits of `bits` must be 0).
  void Put(std::uint64_t bits, int count) {
    word_ |= bits << used_;
    used_ += count;
    bits_ += count;
    if (used_ >= 64) {
      words_.push_back(word_);
      used_ -= 64;
      word_ = used_ > 0 ? bits >> (count - used_) : 0;  // the bits that did not fit
    }
  }

 private:
  std::vector<std::uint64_t>& words_;
  std::int64_t& bits_;
  std::uint64_t word_ = 0;
  int used_ = 0;
};

/// `magnitude` (>= 0) with its sign bit set where `negative` is 1: -magnitude without a branch
/// on data that is negative half the time.
inline float WithSign(float magnitude, std::uint64_t negative) {
  return std::bit_cast<float>(std::bit_cast<std::uint32_t>(magnitude) | static_cast<std::uint32_t>(negative << 31));
}

/// Reads `count` bits at bit position `at` of a packed code.
inline std::uint64_t CodeBits(const std::vector<std::uint64_t>& code, std::int64_t at, int count) {
  const auto word = static_cast<std::size_t>(at / 64);
  const int used = static_cast<int>(at % 64);
  std::uint64_t bits = code[word] >> used;
  if (used + count > 64) bits |= code[word + 1] << (64 - used);
  return count == 64 ? bits : bits & ((std::uint64_t{1} << count) - 1);
}

}  // namespace pmlab::core
