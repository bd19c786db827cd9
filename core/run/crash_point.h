#pragma once
// Named points where a test can kill the process as a power cut would: when the environment
// variable PMLAB_CRASH_AT equals the point's name, the process sends itself SIGKILL there.
// They let tests prove that a run killed at an exact moment (between its first checkpoint and
// its first metrics row, say) can still be resumed. Unset, a point costs one string compare.
#include <string_view>

namespace pmlab::core {

void CrashPoint(std::string_view point);

}  // namespace pmlab::core
