#include "core/run/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pmlab::core {

RunLock RunLock::Acquire(const std::filesystem::path& folder, const std::string& command) {
  const std::filesystem::path file = FileOf(folder);
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) throw std::runtime_error("cannot lock the folder '" + folder.string() + "' (" + file.string() + "): " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[256] = {};
    const ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
    ::close(fd);
    if (error != EWOULDBLOCK)
      throw std::runtime_error("cannot lock the folder '" + folder.string() + "': " + std::strerror(error));
    std::string who = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : std::string();
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    const std::string pid = who.substr(0, who.find(' '));
    throw std::runtime_error("'" + folder.string() + "' is being written by another process" +
                             (who.empty() ? std::string() : " (process " + who + ")") +
                             "; two writers would corrupt it. Wait for that run to finish, or stop it" +
                             (pid.empty() ? std::string() : " (kill -INT " + pid + ": it checkpoints first)") + ", then try again");
  }
  // Who holds it, for the message of a second writer.
  const std::string who = std::to_string(::getpid()) + " " + command + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, who.data(), who.size(), 0) != static_cast<ssize_t>(who.size())) {
    // The lock holds without the note; only the message of a second writer is poorer.
  }
  return RunLock(fd);
}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace pmlab::core
