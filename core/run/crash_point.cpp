#include "core/run/crash_point.h"

#include <csignal>
#include <cstdlib>
#include <string>

namespace pmlab::core {

void CrashPoint(std::string_view point) {
  static const std::string armed = [] {
    const char* value = std::getenv("PMLAB_CRASH_AT");
    return std::string(value ? value : "");
  }();
  if (!armed.empty() && armed == point) std::raise(SIGKILL);
}

}  // namespace pmlab::core
