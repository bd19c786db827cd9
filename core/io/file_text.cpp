#include "core/io/file_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pmlab::core {

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

RegularFile::RegularFile(const std::filesystem::path& path, std::uint64_t limit, std::string what) : path_(path), what_(std::move(what)) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused right after.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) Refuse("cannot be opened: " + std::string(std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) Refuse("cannot be read: " + std::string(std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) Refuse("is a folder, not a file");
  if (!S_ISREG(st.st_mode)) Refuse("is not a regular file (a device, pipe or socket); give a file");
  size_ = static_cast<std::uint64_t>(st.st_size);
  if (size_ > limit) Refuse("is " + ByteSize(size_) + ", more than the " + ByteSize(limit) + " a " + what_ + " may be");
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

void RegularFile::Refuse(const std::string& why) {
  if (fd_ >= 0) ::close(fd_);  // a constructor that throws runs no destructor
  fd_ = -1;
  throw FileTextError(what_ + " '" + path_.string() + "' " + why);
}

std::uint64_t RegularFile::Read(char* to, std::uint64_t n) {
  std::uint64_t done = 0;
  while (done < n) {
    const ssize_t got = ::read(fd_, to + done, static_cast<std::size_t>(std::min<std::uint64_t>(n - done, 1 << 20)));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) Refuse("cannot be read: " + std::string(std::strerror(errno)));
    if (got == 0) break;
    done += static_cast<std::uint64_t>(got);
  }
  return done;
}

std::uint64_t CheckRegularFile(const std::filesystem::path& path, std::uint64_t limit, const std::string& what) {
  return RegularFile(path, limit, what).size();
}

std::string ReadFileText(const std::filesystem::path& path, std::uint64_t limit, const std::string& what) {
  RegularFile file(path, limit, what);
  std::string text(static_cast<std::size_t>(file.size()), '\0');
  text.resize(static_cast<std::size_t>(file.Read(text.data(), file.size())));
  // A file that grows while it is read (a live run's metrics) is read to its end, within the limit.
  char block[1 << 16];
  while (const std::uint64_t n = file.Read(block, sizeof block)) {
    text.append(block, static_cast<std::size_t>(n));
    if (text.size() > limit)
      throw FileTextError(what + " '" + path.string() + "' grew past the " + ByteSize(limit) + " a " + what + " may be while it was read");
  }
  return text;
}

}  // namespace pmlab::core
