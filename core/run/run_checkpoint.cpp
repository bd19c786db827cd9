#include "core/run/run_checkpoint.h"

namespace pmlab::core {

void SaveRunCheckpoint(const std::filesystem::path& path, const RunCheckpoint& checkpoint) {
  WriteCheckpoint(path, checkpoint.kind, [&](std::ostream& out) {
    CheckpointOutputArchive ar(out);
    ar(checkpoint);
  });
}

RunCheckpoint LoadRunCheckpoint(const std::filesystem::path& path) {
  CheckpointFile file = CheckpointFile::Open(path);
  return LoadRunCheckpoint(file);
}

RunCheckpoint LoadRunCheckpoint(CheckpointFile& file) {
  const std::filesystem::path& path = file.path();
  RunCheckpoint checkpoint;
  checkpoint.kind = file.kind();
  checkpoint.format = file.header().format;
  try {
    PayloadBounds bounds(file.payload(), file.end());
    CheckpointInputArchive ar(file.payload());
    ar(checkpoint);
    if (static_cast<std::uint64_t>(file.payload().tellg()) != file.end())
      throw cereal::Exception("the payload holds more than a run checkpoint");
  } catch (const cereal::Exception& e) {
    throw CheckpointError("checkpoint '" + path.string() + "' is damaged (" + e.what() + ")");
  }
  return checkpoint;
}

}  // namespace pmlab::core
