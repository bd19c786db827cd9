#pragma once
// Everything that shapes the future of a run, as stored in its checkpoints: the resolved
// config, the optimiser state (iteration, x, v), every worker's RNG stream and error-feedback /
// momentum memory, and the running figures of the summary. Data splits, the initial point and
// the schedule are pure functions of the config and are rebuilt from it; data files are
// checked against the fingerprint taken when the run started. The same record serves every
// run kind; the checkpoint header says which kind wrote it.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "core/checkpoint_archive.h"
#include "core/checkpoint_file.h"
#include "core/image_dataset.h"

namespace pmlab::core {

/// What the training data looked like when the run started (all zero for synthetic problems).
struct DataFingerprint {
  std::int64_t examples = 0;
  std::int64_t features = 0;
  std::int64_t classes = 0;
  std::uint32_t labels_crc = 0;  ///< CRC-32 of the training labels

  /// The fingerprint of a loaded training set.
  static DataFingerprint Of(const ImageDataset& data);

  friend bool operator==(const DataFingerprint&, const DataFingerprint&) = default;
  template <class Archive>
  void serialize(Archive& ar, const std::uint32_t /*version*/) {
    ar(examples, features, classes, labels_crc);
  }
};

struct RunCheckpoint {
  RunKind kind = RunKind::kTrain;      ///< from the header: set by LoadRunCheckpoint, not in the payload
  std::string config_toml;             ///< the run's config.toml text
  MomentumState state;                 ///< iteration, x, v
  std::vector<WorkerMemory> workers;   ///< one per logical worker
  DataFingerprint data;
  double bits_total = 0;
  double wall_seconds = 0;             ///< run time before this checkpoint
  double last_train_loss = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::int64_t> first_below;  ///< per summary level: first iteration below it, 0 = not yet
  bool evaluated = false;              ///< whether the eval fields hold a result
  double eval_loss = 0;
  double eval_accuracy = std::numeric_limits<double>::quiet_NaN();  ///< NaN for regression problems

  template <class Archive>
  void save(Archive& ar, const std::uint32_t /*version*/) const {
    ar(config_toml, state, static_cast<std::uint64_t>(workers.size()));
    for (const auto& w : workers) ar(w);
    ar(data, bits_total, wall_seconds, last_train_loss, first_below, evaluated, eval_loss, eval_accuracy);
  }
  template <class Archive>
  void load(Archive& ar, const std::uint32_t /*version*/) {
    ar(config_toml, state);
    workers.resize(LoadCount(ar, 4 * sizeof(std::uint64_t)));  // each holds at least its RNG state
    for (auto& w : workers) ar(w);
    ar(data, bits_total, wall_seconds, last_train_loss, first_below, evaluated, eval_loss, eval_accuracy);
  }
};

/// Writes the checkpoint atomically; its header records checkpoint.kind.
void SaveRunCheckpoint(const std::filesystem::path& path, const RunCheckpoint& checkpoint);

/// Reads and verifies a checkpoint; with `expected`, refuses one of another run kind. Throws
/// CheckpointError naming the file.
RunCheckpoint LoadRunCheckpoint(const std::filesystem::path& path, std::optional<RunKind> expected = std::nullopt);

}  // namespace pmlab::core

CEREAL_CLASS_VERSION(pmlab::core::DataFingerprint, 1)
CEREAL_CLASS_VERSION(pmlab::core::RunCheckpoint, 1)
