#include "core/run/stop_request.h"

#include <csignal>

namespace pmlab::core {
namespace {

volatile std::sig_atomic_t received = 0;

void OnSignal(int signal) {
  received = signal;
  std::signal(signal, SIG_DFL);
}

}  // namespace

void InstallStopHandlers() {
  received = 0;  // a process may run several commands (pmlab.cli from Python): each starts afresh
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
}

int StopSignal() { return received; }

}  // namespace pmlab::core
