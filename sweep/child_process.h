#pragma once
// A pmlab run started by a sweep as a process of its own: its output (stdout and stderr
// together) comes back line by line through a pipe. The child runs in a process group of its
// own, so the terminal's Ctrl-C reaches only the sweep, which passes it on once (a second
// signal would stop a run without its checkpoint); and it is killed if the sweep dies, as a
// power cut would kill both, leaving a run that resumes from its checkpoint.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace pmlab::sweep {

class ChildProcess {
 public:
  /// Starts `program` with `args` (argv[1..]); std::runtime_error if it cannot.
  ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& args);
  ~ChildProcess();  // kills and reaps a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// The read end of the output pipe, for poll(2).
  int fd() const { return fd_; }
  /// Reads what the pipe holds without blocking past it; complete lines go to `lines`.
  /// Returns false once the child has closed its output (a last unterminated line included).
  bool Read(std::vector<std::string>& lines);
  /// Sends `signal` to the child.
  void Signal(int signal) const;
  /// Waits for the child to end: its exit code, or 128 + the signal that ended it.
  int Wait();

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string partial_;
};

}  // namespace pmlab::sweep
