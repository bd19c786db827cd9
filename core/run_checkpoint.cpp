#include "core/run_checkpoint.h"

#include <zlib.h>

namespace pmlab::core {

DataFingerprint DataFingerprint::Of(const ImageDataset& data) {
  return {data.size(), data.features(), data.classes,
          static_cast<std::uint32_t>(crc32(0, data.labels.data(), static_cast<uInt>(data.labels.size())))};
}

void SaveRunCheckpoint(const std::filesystem::path& path, const RunCheckpoint& checkpoint) {
  WriteCheckpoint(path, checkpoint.kind, [&](std::ostream& out) {
    CheckpointOutputArchive ar(out);
    ar(checkpoint);
  });
}

RunCheckpoint LoadRunCheckpoint(const std::filesystem::path& path, std::optional<RunKind> expected) {
  CheckpointFile file = CheckpointFile::Open(path, expected);
  if (file.kind() == RunKind::kRl)
    throw CheckpointError("checkpoint '" + path.string() + "' belongs to an rl run, which this build cannot read");
  RunCheckpoint checkpoint;
  checkpoint.kind = file.kind();
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
