#pragma once
// The checkpoint container: a 32-byte header, then a cereal portable-binary payload.
//
//   bytes  0..7   magic "PMLABCKP"
//          8..11  container format version (little-endian u32)
//         12..15  run kind (u32: the id a run kind registered, e.g. 1 train, 2 meta)
//         16..23  payload length in bytes (u64)
//         24..27  CRC-32 of the payload (zlib's crc32)
//         28..31  CRC-32 of bytes 0..27
//
// Files are written atomically. A file is read once, whole: the header, the length against the
// file size and the payload checksum are verified on those bytes, and the payload is then parsed
// from the same bytes, so a file replaced in between cannot slip through. A damaged or foreign
// file is refused with a message naming it, and nothing is allocated from its contents.
//
// Format history: 1 (pmlab 0.1) has no problem-owned state in the run record; 2 adds it.
#include <array>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace pmlab::core {

/// The permanent number a run kind writes into its checkpoints' headers (never 0).
using RunKindId = std::uint32_t;

inline constexpr std::uint32_t kCheckpointFormat = 2;
inline constexpr std::uint64_t kCheckpointHeaderBytes = 32;

/// A checkpoint that cannot be used; what() names the file and the problem.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The fixed-size header before a checkpoint's payload.
struct CheckpointHeader {
  std::uint32_t format = kCheckpointFormat;  ///< container format version
  RunKindId kind = 0;  ///< the run kind that wrote it
  std::uint64_t payload_bytes = 0;  ///< the payload's length
  /// CRC-32 of the payload
  std::uint32_t payload_crc = 0;
};

/// The 32 header bytes for `header` (with its own checksum).
std::array<unsigned char, kCheckpointHeaderBytes> EncodeCheckpointHeader(const CheckpointHeader& header);

/// zlib's CRC-32 of `size` bytes, as stored in headers.
std::uint32_t Crc32(const void* data, std::size_t size, std::uint32_t crc = 0);

/// Streams the payload written by `write_payload` into `path` atomically, header first.
void WriteCheckpoint(const std::filesystem::path& path, RunKindId kind,
                     const std::function<void(std::ostream&)>& write_payload);

/// A checkpoint read into memory and verified.
class CheckpointFile {
 public:
  /// Reads `path` once and verifies header, length and checksum; throws CheckpointError.
  static CheckpointFile Open(const std::filesystem::path& path);

  /// What can be said of a file without trusting it: the header if it is readable, and
  /// whether the payload's checksum matches. Throws CheckpointError if even the header is bad.
  struct Status {
    CheckpointHeader header;  ///< the header, if it could be read
    std::uint64_t file_bytes = 0;  ///< the file's size
    bool payload_intact = false;  ///< whether the payload matches its CRC
    std::string problem;  ///< empty when intact
  };
  /// Reads and verifies `path` without parsing its payload.
  static Status Check(const std::filesystem::path& path);

  /// The file read.
  const std::filesystem::path& path() const { return path_; }
  /// Its verified header.
  const CheckpointHeader& header() const { return header_; }
  /// The run kind that wrote it.
  RunKindId kind() const { return header_.kind; }
  /// The verified payload, positioned at its first byte; it ends at end().
  std::istream& payload() { return payload_; }
  /// Offset at which the payload ends.
  std::uint64_t end() const { return header_.payload_bytes; }

 private:
  CheckpointFile(std::filesystem::path path, CheckpointHeader header, std::string payload);

  std::filesystem::path path_;
  CheckpointHeader header_;
  std::istringstream payload_;
};

}  // namespace pmlab::core
