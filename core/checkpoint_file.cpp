#include "core/checkpoint_file.h"

#include <zlib.h>

#include <array>
#include <cstring>
#include <streambuf>

#include "core/atomic_file.h"

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
  int sync() override {
    const auto n = static_cast<std::size_t>(pptr() - pbase());
    if (n > 0) {
      file_.Write(pbase(), n);
      crc_ = Crc(crc_, reinterpret_cast<const unsigned char*>(pbase()), n);
      bytes_ += n;
      setp(buffer_.data(), buffer_.data() + buffer_.size());
    }
    return 0;
  }

 protected:
  int_type overflow(int_type c) override {
    sync();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::streamsize done = 0;
    while (done < n) {
      if (pptr() == epptr()) sync();
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
};

[[noreturn]] void Refuse(const std::filesystem::path& path, const std::string& problem) {
  throw CheckpointError("checkpoint '" + path.string() + "' " + problem);
}

CheckpointHeader ReadHeader(const std::filesystem::path& path, std::ifstream& in, std::uint64_t& file_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) Refuse(path, "is a folder, not a checkpoint file");
  in.open(path, std::ios::binary);
  if (!in) Refuse(path, "cannot be opened: " + std::string(std::strerror(errno)));
  in.seekg(0, std::ios::end);
  file_bytes = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  if (file_bytes < kCheckpointHeaderBytes)
    Refuse(path, "is truncated (" + std::to_string(file_bytes) + " bytes, shorter than the 32-byte header)");
  std::array<unsigned char, kCheckpointHeaderBytes> b{};
  in.read(reinterpret_cast<char*>(b.data()), b.size());
  if (!in) Refuse(path, "cannot be read");
  if (std::memcmp(b.data(), kMagic, 8) != 0) Refuse(path, "is not a pmlab checkpoint (wrong magic bytes)");
  if (Get<std::uint32_t>(b.data() + 28) != Crc(0, b.data(), 28)) Refuse(path, "has a damaged header (header checksum mismatch)");
  CheckpointHeader h;
  h.format = Get<std::uint32_t>(b.data() + 8);
  const auto kind = Get<std::uint32_t>(b.data() + 12);
  h.payload_bytes = Get<std::uint64_t>(b.data() + 16);
  h.payload_crc = Get<std::uint32_t>(b.data() + 24);
  if (h.format > kCheckpointFormat)
    Refuse(path, "was written by a newer pmlab (container format " + std::to_string(h.format) +
                     "; this build reads formats up to " + std::to_string(kCheckpointFormat) + ")");
  if (h.format == 0 || kind < 1 || kind > 3) Refuse(path, "has a damaged header (format or run kind out of range)");
  h.kind = static_cast<RunKind>(kind);
  const std::uint64_t present = file_bytes - kCheckpointHeaderBytes;
  if (present < h.payload_bytes)
    Refuse(path, "is truncated (payload " + std::to_string(present) + " of " + std::to_string(h.payload_bytes) + " bytes)");
  if (present > h.payload_bytes) Refuse(path, "has " + std::to_string(present - h.payload_bytes) + " unexpected bytes after its payload");
  return h;
}

std::uint32_t PayloadCrc(std::ifstream& in, std::uint64_t bytes) {
  std::vector<unsigned char> block(1 << 16);
  std::uint32_t crc = 0;
  while (bytes > 0) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(bytes, block.size()));
    in.read(reinterpret_cast<char*>(block.data()), static_cast<std::streamsize>(n));
    if (!in) return ~Crc(0, nullptr, 0);  // unreadable: cannot match
    crc = Crc(crc, block.data(), n);
    bytes -= n;
  }
  return crc;
}

}  // namespace

std::string ToString(RunKind kind) {
  switch (kind) {
    case RunKind::kTrain: return "train";
    case RunKind::kMeta: return "meta";
    case RunKind::kRl: return "rl";
  }
  return "unknown";
}

void WriteCheckpoint(const std::filesystem::path& path, RunKind kind, const std::function<void(std::ostream&)>& write_payload) {
  AtomicFile file(path);
  CheckpointHeader header;
  header.kind = kind;
  file.Write(EncodeCheckpointHeader(header).data(), kCheckpointHeaderBytes);  // placeholder
  PayloadSink sink(file);
  std::ostream out(&sink);
  write_payload(out);
  out.flush();
  if (!out) throw std::runtime_error("cannot serialise checkpoint '" + path.string() + "'");
  header.payload_bytes = sink.bytes();
  header.payload_crc = sink.crc();
  file.WriteAt(0, EncodeCheckpointHeader(header).data(), kCheckpointHeaderBytes);
  file.Commit();
}

CheckpointFile::CheckpointFile(std::filesystem::path path, CheckpointHeader header)
    : path_(std::move(path)), header_(header), stream_(path_, std::ios::binary) {
  stream_.seekg(static_cast<std::streamoff>(kCheckpointHeaderBytes));
}

CheckpointFile::Status CheckpointFile::Check(const std::filesystem::path& path) {
  std::ifstream in;
  Status s;
  s.header = ReadHeader(path, in, s.file_bytes);
  s.payload_intact = PayloadCrc(in, s.header.payload_bytes) == s.header.payload_crc;
  if (!s.payload_intact) s.problem = "payload checksum mismatch";
  return s;
}

CheckpointFile CheckpointFile::Open(const std::filesystem::path& path, std::optional<RunKind> expected) {
  const Status s = Check(path);
  if (!s.payload_intact) Refuse(path, "is damaged (payload checksum mismatch)");
  if (expected && s.header.kind != *expected)
    Refuse(path, "belongs to a " + ToString(s.header.kind) + " run, not a " + ToString(*expected) + " run");
  return CheckpointFile(path, s.header);
}

}  // namespace pmlab::core
