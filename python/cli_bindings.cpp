// pmlab's command line inside the Python process (pmlab.cli): the same pmlab::Main as the
// program's. Around the call, the interpreter's SIGINT and SIGTERM handlers give way to pmlab's,
// so Ctrl-C stops a run after its round with a checkpoint as it does in a terminal, and come
// back afterwards; what the command writes to stderr is also returned, for the exception that
// names the problem.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <pmlab/pmlab.h>

#include "python/bindings.h"

namespace py = pybind11;

namespace pmlab::python {
namespace {

// fd 2 into a temporary file for the lifetime of the object; Release() restores it and
// returns what was written, and writes it on to the real stderr too.
class CapturedStderr {
 public:
  CapturedStderr() : file_(std::tmpfile()), saved_(dup(2)) {
    if (!file_ || saved_ < 0) throw std::runtime_error("pmlab.cli: cannot capture stderr");
    std::cerr.flush();
    std::fflush(stderr);
    dup2(fileno(file_), 2);
  }
  ~CapturedStderr() { Release(); }

  std::string Release() {
    if (!file_) return {};
    std::cerr.flush();
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    std::string text;
    std::rewind(file_);
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file_)) > 0;) text.append(buffer, n);
    std::fclose(file_);
    file_ = nullptr;
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
    return text;
  }

 private:
  std::FILE* file_;
  int saved_;
};

py::tuple Cli(const std::vector<std::string>& args) {
  std::vector<std::string> words = {"pmlab"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  struct sigaction interrupt {}, terminate {};
  sigaction(SIGINT, nullptr, &interrupt);
  sigaction(SIGTERM, nullptr, &terminate);
  int code = 0;
  std::string errors;
  {
    CapturedStderr captured;
    {
      py::gil_scoped_release release;
      code = pmlab::Main(static_cast<int>(words.size()), argv.data());
      std::fflush(stdout);
    }
    errors = captured.Release();
  }
  sigaction(SIGINT, &interrupt, nullptr);
  sigaction(SIGTERM, &terminate, nullptr);
  return py::make_tuple(code, errors);
}

}  // namespace

void BindCli(py::module_& m) {
  m.def("cli", &Cli, py::arg("args"), "Runs pmlab's command line in this process: (exit code, what it wrote to stderr)");
}

}  // namespace pmlab::python
