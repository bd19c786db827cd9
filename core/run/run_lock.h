#pragma once
// One writer per run folder: the process that writes a run (train, meta, rl, resume, a sweep)
// holds an advisory lock (flock) on FOLDER/.lock for as long as it runs. The kernel releases it
// when the process ends, however it ends, so a killed run never leaves a stale lock. Readers
// (eval, inspect, report, plot, compare) take no lock and keep working on a live run.
#include <filesystem>
#include <string>

namespace pmlab::core {

class RunLock {
 public:
  /// Takes the lock of `folder`, recording this process and `command` in the lock file.
  /// Throws std::runtime_error naming the process that holds it, or why it cannot be taken.
  static RunLock Acquire(const std::filesystem::path& folder, const std::string& command);

  RunLock(RunLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();

  /// The lock file of `folder`.
  static std::filesystem::path FileOf(const std::filesystem::path& folder) { return folder / ".lock"; }

 private:
  explicit RunLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace pmlab::core
