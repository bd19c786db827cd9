#include "core/io/file_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pmlab::core {
namespace {

[[noreturn]] void Refuse(const std::filesystem::path& path, const std::string& what, const std::string& why) {
  throw FileTextError(what + " '" + path.string() + "' " + why);
}

std::uint64_t CheckOpen(int fd, const std::filesystem::path& path, std::uint64_t limit, const std::string& what) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) Refuse(path, what, "cannot be read: " + std::string(std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) Refuse(path, what, "is a folder, not a file");
  if (!S_ISREG(st.st_mode)) Refuse(path, what, "is not a regular file (a device, pipe or socket); give a file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > limit) Refuse(path, what, "is " + ByteSize(size) + ", more than the " + ByteSize(limit) + " a " + what + " may be");
  return size;
}

// An open file descriptor, closed on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

int OpenForReading(const std::filesystem::path& path, const std::string& what) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused right after.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) Refuse(path, what, "cannot be opened: " + std::string(std::strerror(errno)));
  return fd;
}

}  // namespace

std::string ByteSize(std::uint64_t bytes) {
  static const char* const kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 6) {
    v /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0) std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  else std::snprintf(text, sizeof text, "%.3g %s", v, kUnits[unit]);
  return text;
}

std::uint64_t CheckRegularFile(const std::filesystem::path& path, std::uint64_t limit, const std::string& what) {
  const Fd file{OpenForReading(path, what)};
  return CheckOpen(file.fd, path, limit, what);
}

std::string ReadFileText(const std::filesystem::path& path, std::uint64_t limit, const std::string& what) {
  const Fd file{OpenForReading(path, what)};
  const std::uint64_t size = CheckOpen(file.fd, path, limit, what);
  std::string text;
  text.reserve(static_cast<std::size_t>(size));
  char block[1 << 16];
  for (;;) {
    const ssize_t n = ::read(file.fd, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Refuse(path, what, "cannot be read: " + std::string(std::strerror(errno)));
    if (n == 0) break;
    text.append(block, static_cast<std::size_t>(n));
    if (text.size() > limit) Refuse(path, what, "grew past the " + ByteSize(limit) + " a " + what + " may be while it was read");
  }
  return text;
}

}  // namespace pmlab::core
