#pragma once
// The checkpoint container: a 32-byte header, then a cereal portable-binary payload.
//
//   bytes  0..7   magic "PMLABCKP"
//          8..11  container format version (little-endian u32)
//         12..15  run kind (u32: 1 train, 2 meta, 3 rl)
//         16..23  payload length in bytes (u64)
//         24..27  CRC-32 of the payload (zlib's crc32)
//         28..31  CRC-32 of bytes 0..27
//
// Files are written atomically. Reading verifies the header, the length against the file size,
// and the payload checksum before any of the payload is deserialised, so a damaged or foreign
// file is refused with a message naming it and nothing is allocated from its contents.
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace pmlab::core {

enum class RunKind : std::uint32_t { kTrain = 1, kMeta = 2, kRl = 3 };
std::string ToString(RunKind kind);

inline constexpr std::uint32_t kCheckpointFormat = 1;
inline constexpr std::uint64_t kCheckpointHeaderBytes = 32;

/// A checkpoint that cannot be used; what() names the file and the problem.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CheckpointHeader {
  std::uint32_t format = kCheckpointFormat;
  RunKind kind = RunKind::kTrain;
  std::uint64_t payload_bytes = 0;
  std::uint32_t payload_crc = 0;
};

/// The 32 header bytes for `header` (with its own checksum).
std::array<unsigned char, kCheckpointHeaderBytes> EncodeCheckpointHeader(const CheckpointHeader& header);

/// zlib's CRC-32 of `size` bytes, as stored in headers.
std::uint32_t Crc32(const void* data, std::size_t size, std::uint32_t crc = 0);

/// Streams the payload written by `write_payload` into `path` atomically, header first.
void WriteCheckpoint(const std::filesystem::path& path, RunKind kind,
                     const std::function<void(std::ostream&)>& write_payload);

/// An opened, fully verified checkpoint.
class CheckpointFile {
 public:
  /// Verifies header, length and checksum; with `expected` also the run kind.
  /// Throws CheckpointError otherwise.
  static CheckpointFile Open(const std::filesystem::path& path, std::optional<RunKind> expected = std::nullopt);

  /// What can be said of a file without trusting it: the header if it is readable, and
  /// whether the payload's checksum matches. Throws CheckpointError if even the header is bad.
  struct Status {
    CheckpointHeader header;
    std::uint64_t file_bytes = 0;
    bool payload_intact = false;
    std::string problem;  ///< empty when intact
  };
  static Status Check(const std::filesystem::path& path);

  /// The payload stream, positioned at its first byte; it ends at end().
  std::istream& payload() { return stream_; }
  std::uint64_t end() const { return kCheckpointHeaderBytes + header_.payload_bytes; }
  RunKind kind() const { return header_.kind; }

 private:
  CheckpointFile(std::filesystem::path path, CheckpointHeader header);

  std::filesystem::path path_;
  CheckpointHeader header_;
  std::ifstream stream_;
};

}  // namespace pmlab::core
