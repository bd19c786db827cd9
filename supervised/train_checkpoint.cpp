#include "supervised/train_checkpoint.h"

#include "core/checkpoint_file.h"

namespace pmlab::supervised {

void SaveTrainCheckpoint(const std::filesystem::path& path, const TrainCheckpoint& checkpoint) {
  core::WriteCheckpoint(path, core::RunKind::kTrain, [&](std::ostream& out) {
    core::CheckpointOutputArchive ar(out);
    ar(checkpoint);
  });
}

TrainCheckpoint LoadTrainCheckpoint(const std::filesystem::path& path) {
  core::CheckpointFile file = core::CheckpointFile::Open(path, core::RunKind::kTrain);
  TrainCheckpoint checkpoint;
  try {
    core::PayloadBounds bounds(file.payload(), file.end());
    core::CheckpointInputArchive ar(file.payload());
    ar(checkpoint);
    if (static_cast<std::uint64_t>(file.payload().tellg()) != file.end())
      throw cereal::Exception("the payload holds more than a train checkpoint");
  } catch (const cereal::Exception& e) {
    throw core::CheckpointError("checkpoint '" + path.string() + "' is damaged (" + e.what() + ")");
  }
  return checkpoint;
}

}  // namespace pmlab::supervised
