#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pmlab::core {

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)) {
  const std::filesystem::path dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
  temp_ = (dir / ("." + path_.filename().string() + ".tmp-XXXXXX")).string();
  fd_ = ::mkstemp(temp_.data());
  if (fd_ < 0) Fail("create a temporary file for");
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temp_.c_str());
  }
}

void AtomicFile::Fail(const char* what) const {
  throw std::runtime_error("cannot " + std::string(what) + " '" + path_.string() + "': " + std::strerror(errno));
}

void AtomicFile::Write(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) Fail("write");
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::WriteAt(std::uint64_t offset, const void* data, std::size_t size) {
  if (::pwrite(fd_, data, size, static_cast<off_t>(offset)) != static_cast<ssize_t>(size)) Fail("write");
}

void AtomicFile::Commit() {
  if (::fchmod(fd_, 0644) != 0 || ::fsync(fd_) != 0) Fail("sync");
  ::close(fd_);
  fd_ = -1;
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp_.c_str());
    errno = saved;
    Fail("rename a temporary file onto");
  }
  SyncFolder(path_.has_parent_path() ? path_.parent_path() : std::filesystem::path("."));
}

void SyncFolder(const std::filesystem::path& dir) {
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void WriteFileAtomically(const std::filesystem::path& path, std::string_view contents) {
  AtomicFile file(path);
  file.Write(contents.data(), contents.size());
  file.Commit();
}

}  // namespace pmlab::core
