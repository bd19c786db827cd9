#pragma once
// Running the real pmlab binary from tests, as a user would.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace pmlab::testing {

struct Outcome {
  int code = -1;       ///< exit code (-1 if killed by a signal)
  std::string output;  ///< stdout and stderr together
};

/// Runs `pmlab ARGS` through the shell and waits for it.
inline Outcome Pmlab(const std::string& args) {
  FILE* pipe = popen((std::string(PMLAB_BINARY) + " " + args + " 2>&1").c_str(), "r");
  Outcome o;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) o.output += buffer.data();
  const int status = pclose(pipe);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

inline std::string ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace pmlab::testing
