#include "core/io/checkpoint_file.h"

#include <zlib.h>

#include <cerrno>
#include <limits>
#include <optional>

#include <array>
#include <cstring>
#include <streambuf>

#include "core/io/atomic_file.h"
#include "core/io/file_text.h"

namespace pmlab::core {
namespace {

constexpr char kMagic[8] = {'P', 'M', 'L', 'A', 'B', 'C', 'K', 'P'};

std::uint32_t Crc(std::uint32_t crc, const unsigned char* data, std::size_t size) { return Crc32(data, size, crc); }

template <typename T>
void Put(unsigned char* at, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) at[i] = static_cast<unsigned char>(value >> (8 * i));
}
template <typename T>
T Get(const unsigned char* at) {
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(at[i]) << (8 * i);
  return value;
}

}  // namespace

std::uint32_t Crc32(const void* data, std::size_t size, std::uint32_t crc) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  while (size > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    crc = static_cast<std::uint32_t>(crc32(crc, bytes, chunk));
    bytes += chunk;
    size -= chunk;
  }
  return crc;
}

std::array<unsigned char, kCheckpointHeaderBytes> EncodeCheckpointHeader(const CheckpointHeader& h) {
  std::array<unsigned char, kCheckpointHeaderBytes> b{};
  std::memcpy(b.data(), kMagic, 8);
  Put(b.data() + 8, h.format);
  Put(b.data() + 12, static_cast<std::uint32_t>(h.kind));
  Put(b.data() + 16, h.payload_bytes);
  Put(b.data() + 24, h.payload_crc);
  Put(b.data() + 28, Crc(0, b.data(), 28));
  return b;
}

namespace {

// Forwards the payload to the temporary file in 1 MiB blocks, counting bytes and the CRC.
class PayloadSink final : public std::streambuf {
 public:
  explicit PayloadSink(AtomicFile& file) : file_(file), buffer_(1 << 20) { setp(buffer_.data(), buffer_.data() + buffer_.size()); }
  std::uint64_t bytes() const { return bytes_; }
  std::uint32_t crc() const { return crc_; }
  /// Why writing failed (the disk is full, ...), or empty.
  const std::string& error() const { return error_; }
  int sync() override {
    const auto n = static_cast<std::size_t>(pptr() - pbase());
    if (n > 0) {
      // The stream would swallow an exception thrown here and keep only a bad bit: keep the
      // reason (ENOSPC names the lack of space) for the message.
      try {
        file_.Write(pbase(), n);
      } catch (const std::runtime_error& e) {
        error_ = e.what();
        return -1;
      }
      crc_ = Crc(crc_, reinterpret_cast<const unsigned char*>(pbase()), n);
      bytes_ += n;
      setp(buffer_.data(), buffer_.data() + buffer_.size());
    }
    return 0;
  }

 protected:
  int_type overflow(int_type c) override {
    if (sync() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::streamsize done = 0;
    while (done < n) {
      if (pptr() == epptr() && sync() != 0) return done;
      const auto room = std::min<std::streamsize>(epptr() - pptr(), n - done);
      std::memcpy(pptr(), s + done, static_cast<std::size_t>(room));
      pbump(static_cast<int>(room));
      done += room;
    }
    return n;
  }

 private:
  AtomicFile& file_;
  std::vector<char> buffer_;
  std::uint64_t bytes_ = 0;
  std::uint32_t crc_ = 0;
  std::string error_;
};

[[noreturn]] void Refuse(const std::filesystem::path& path, const std::string& problem) {
  throw CheckpointError("checkpoint '" + path.string() + "' " + problem);
}

// A file as read once: its verified header and the bytes after it.
struct RawCheckpoint {
  CheckpointHeader header;
  std::uint64_t file_bytes = 0;
  std::string payload;
};

// Reads the header, checks it, and checks the announced length against the file's size before
// anything is allocated; then reads the payload. Only regular files are read: a device or a
// pipe has no size to check (and /dev/zero never ends).
RawCheckpoint ReadOnce(const std::filesystem::path& path) {
  std::optional<RegularFile> opened;
  try {
    opened.emplace(path, std::numeric_limits<std::uint64_t>::max(), "checkpoint");
  } catch (const FileTextError& e) {
    throw CheckpointError(e.what());
  }
  RegularFile& file = *opened;
  const auto read_fully = [&](char* to, std::uint64_t n) {
    try {
      return file.Read(to, n);
    } catch (const FileTextError& e) {
      throw CheckpointError(e.what());
    }
  };
  std::array<unsigned char, kCheckpointHeaderBytes> b{};
  const std::uint64_t got = read_fully(reinterpret_cast<char*>(b.data()), b.size());
  if (got < kCheckpointHeaderBytes) Refuse(path, "is truncated (" + std::to_string(got) + " bytes, shorter than the 32-byte header)");
  if (std::memcmp(b.data(), kMagic, 8) != 0) Refuse(path, "is not a pmlab checkpoint (wrong magic bytes)");
  if (Get<std::uint32_t>(b.data() + 28) != Crc(0, b.data(), 28)) Refuse(path, "has a damaged header (header checksum mismatch)");
  RawCheckpoint raw;
  CheckpointHeader& h = raw.header;
  h.format = Get<std::uint32_t>(b.data() + 8);
  h.kind = Get<std::uint32_t>(b.data() + 12);
  h.payload_bytes = Get<std::uint64_t>(b.data() + 16);
  h.payload_crc = Get<std::uint32_t>(b.data() + 24);
  if (h.format > kCheckpointFormat)
    Refuse(path, "was written by a newer pmlab (container format " + std::to_string(h.format) +
                     "; this build reads formats 1 to " + std::to_string(kCheckpointFormat) + ")");
  if (h.format == 0 || h.kind == 0) Refuse(path, "has a damaged header (format or run kind out of range)");
  const std::uint64_t body = file.size() - kCheckpointHeaderBytes;
  if (body < h.payload_bytes)
    Refuse(path, "is truncated (payload " + std::to_string(body) + " of " + std::to_string(h.payload_bytes) + " bytes)");
  if (body > h.payload_bytes)
    Refuse(path, "has unexpected bytes after its payload (more than the " + std::to_string(h.payload_bytes) + " the header announces)");
  raw.payload.resize(static_cast<std::size_t>(h.payload_bytes));
  const std::uint64_t read = read_fully(raw.payload.data(), h.payload_bytes);
  raw.payload.resize(static_cast<std::size_t>(read));
  if (read < h.payload_bytes)  // the file shrank while it was read
    Refuse(path, "is truncated (payload " + std::to_string(read) + " of " + std::to_string(h.payload_bytes) + " bytes)");
  char extra = 0;
  if (read_fully(&extra, 1) != 0)  // or grew
    Refuse(path, "has unexpected bytes after its payload (more than the " + std::to_string(h.payload_bytes) + " the header announces)");
  raw.file_bytes = kCheckpointHeaderBytes + raw.payload.size();
  return raw;
}

}  // namespace

void WriteCheckpoint(const std::filesystem::path& path, RunKindId kind, const std::function<void(std::ostream&)>& write_payload) {
  if (kind == 0) throw std::logic_error("checkpoint '" + path.string() + "': run kind 0 is reserved; the run record names no kind");
  AtomicFile file(path);
  CheckpointHeader header;
  header.kind = kind;
  file.Write(EncodeCheckpointHeader(header).data(), kCheckpointHeaderBytes);  // placeholder
  PayloadSink sink(file);
  std::ostream out(&sink);
  write_payload(out);
  out.flush();
  if (!sink.error().empty()) throw std::runtime_error(sink.error());
  if (!out) throw std::runtime_error("cannot serialise checkpoint '" + path.string() + "'");
  header.payload_bytes = sink.bytes();
  header.payload_crc = sink.crc();
  file.WriteAt(0, EncodeCheckpointHeader(header).data(), kCheckpointHeaderBytes);
  file.Commit();
}

CheckpointFile::CheckpointFile(std::filesystem::path path, CheckpointHeader header, std::string payload)
    : path_(std::move(path)), header_(header), payload_(std::move(payload), std::ios::in | std::ios::binary) {}

CheckpointFile::Status CheckpointFile::Check(const std::filesystem::path& path) {
  const RawCheckpoint raw = ReadOnce(path);
  Status s{raw.header, raw.file_bytes, Crc32(raw.payload.data(), raw.payload.size()) == raw.header.payload_crc, {}};
  if (!s.payload_intact) s.problem = "payload checksum mismatch";
  return s;
}

CheckpointFile CheckpointFile::Open(const std::filesystem::path& path) {
  RawCheckpoint raw = ReadOnce(path);
  if (Crc32(raw.payload.data(), raw.payload.size()) != raw.header.payload_crc) Refuse(path, "is damaged (payload checksum mismatch)");
  return CheckpointFile(path, raw.header, std::move(raw.payload));
}

}  // namespace pmlab::core
