#pragma once
// Running the real pmlab binary from tests, as a user would.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace pmlab::testing {

struct Outcome {
  int code = -1;       ///< exit code (-1 if killed by a signal)
  std::string output;  ///< stdout and stderr together
};

/// Runs a shell command line and waits for it.
inline Outcome Shell(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  Outcome o;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) o.output += buffer.data();
  const int status = pclose(pipe);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

#ifdef PMLAB_BINARY
/// Runs `pmlab ARGS` through the shell and waits for it; `env` (e.g. "PMLAB_CRASH_AT=x")
/// goes before the command.
inline Outcome Pmlab(const std::string& args, const std::string& env = "") {
  return Shell(env + " " + std::string(PMLAB_BINARY) + " " + args);
}

/// Starts pmlab with exactly `args` (no shell between), output to `log`; returns its pid.
inline pid_t Spawn(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<std::string> words{PMLAB_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen(log.c_str(), "w", stdout);
    std::freopen(log.c_str(), "a", stderr);
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

/// Starts pmlab with `args` split on spaces, output to `log`; returns its pid.
inline pid_t Spawn(const std::string& args, const std::filesystem::path& log) {
  std::vector<std::string> words;
  std::istringstream in(args);
  for (std::string w; in >> w;) words.push_back(w);
  return Spawn(words, log);
}

/// The exit code of a spawned pmlab, 128 + N if a signal N ended it.
inline int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
#endif

inline std::string ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

/// A fresh folder for the running test, unique per process so that test binaries may run side
/// by side: TMP/pmlab-PREFIX-TESTNAME-PID.
inline std::filesystem::path FreshTestDirectory(const std::string& prefix) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("pmlab-" + prefix + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                    std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// A test with a fresh folder of its own (FreshTestDirectory), removed afterwards.
class FolderTest : public ::testing::Test {
 protected:
  explicit FolderTest(std::string prefix) : prefix_(std::move(prefix)) {}
  void SetUp() override { dir_ = FreshTestDirectory(prefix_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  /// A path in the test's folder.
  std::string Out(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;

 private:
  std::string prefix_;
};

/// metrics.csv without its last column, wall_seconds, as text: what must match between runs.
inline std::string Metrics(const std::filesystem::path& run) {
  std::istringstream in(ReadFile(run / "metrics.csv"));
  std::string out, line;
  while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

/// The parameter hash in a run's summary.json, or "".
inline std::string Hash(const std::filesystem::path& run) {
  const std::string s = ReadFile(run / "summary.json");
  const auto at = s.find("\"parameter_hash\": ");
  return at == std::string::npos ? "" : s.substr(at + 18, 18);
}

}  // namespace pmlab::testing
