#include "core/run/problem_state.h"

#include <sstream>
#include <stdexcept>

namespace pmlab::core {

ProblemStateBlob ProblemStateBlob::Of(const ProblemState& state) {
  std::ostringstream out(std::ios::out | std::ios::binary);
  {
    CheckpointOutputArchive ar(out);
    state.SaveState(ar);
  }
  return {state.StateVersion(), std::move(out).str()};
}

void ProblemStateBlob::RestoreInto(ProblemState& state, const std::string& source) const {
  std::istringstream in(bytes, std::ios::in | std::ios::binary);
  try {
    PayloadBounds bounds(in, bytes.size());
    CheckpointInputArchive ar(in);
    state.LoadState(ar, version);
    if (static_cast<std::uint64_t>(in.tellg()) != bytes.size())
      throw cereal::Exception("the stored problem state holds more than this problem reads");
  } catch (const cereal::Exception& e) {
    throw std::runtime_error("checkpoint '" + source + "': the problem state (version " + std::to_string(version) + ", " +
                             std::to_string(bytes.size()) + " bytes) does not fit this problem (" + e.what() + ")");
  }
}

}  // namespace pmlab::core
