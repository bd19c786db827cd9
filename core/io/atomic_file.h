#pragma once
// Files that are either wholly old or wholly new after a crash: write a temporary file in the
// same folder, flush and fsync it, rename it over the target, then fsync the folder so that the
// rename itself is durable.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace pmlab::core {

/// A file being written; it appears under its final name only on Commit(). Destroying an
/// uncommitted AtomicFile removes the temporary file. Errors throw std::runtime_error naming
/// the target file and the system error.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Write(const void* data, std::size_t size);
  /// Overwrites bytes already written, e.g. a header whose fields are known only at the end.
  void WriteAt(std::uint64_t offset, const void* data, std::size_t size);
  void Commit();

 private:
  [[noreturn]] void Fail(const char* what) const;

  std::filesystem::path path_;
  std::string temp_;
  int fd_ = -1;
};

/// Makes a rename or creation inside `dir` durable (fsync of the folder); best effort.
void SyncFolder(const std::filesystem::path& dir);

/// Writes `contents` to `path` through an AtomicFile.
void WriteFileAtomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace pmlab::core
