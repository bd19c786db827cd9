#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace pmlab::core {
namespace {

[[noreturn]] void Fail(const std::filesystem::path& path, const char* what) {
  throw std::runtime_error("cannot " + std::string(what) + " '" + path.string() + "': " + std::strerror(errno));
}

}  // namespace

void WriteFileAtomically(const std::filesystem::path& path, std::string_view contents) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string tmp_name = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(tmp_name.data());
  if (fd < 0) Fail(path, "create a temporary file for");
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp_name.c_str());
      Fail(path, "write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::fchmod(fd, 0644) != 0) {
    ::close(fd);
    ::unlink(tmp_name.c_str());
    Fail(path, "sync");
  }
  ::close(fd);
  if (::rename(tmp_name.c_str(), path.c_str()) != 0) {
    ::unlink(tmp_name.c_str());
    Fail(path, "rename a temporary file onto");
  }
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace pmlab::core
