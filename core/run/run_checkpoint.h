#pragma once
// Everything that shapes the future of a run, as stored in its checkpoints: the resolved
// config, the optimiser state (iteration, x, the server rule's buffers), every worker's RNG stream and error-feedback /
// momentum memory, the state the problem owns (as a blob it serialises itself), and the running
// figures of the summary. Data splits, the initial point and the schedule are pure functions of
// the config and are rebuilt from it; data files are checked against the fingerprint taken when
// the run started. The same record serves every run kind; the checkpoint header says which kind
// wrote it.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "core/io/checkpoint_archive.h"
#include "core/io/checkpoint_file.h"
#include "core/opt/momentum_server.h"
#include "core/opt/worker_transform.h"
#include "core/registry/registry.h"
#include "core/run/problem_state.h"

namespace pmlab::core {

/// What the training data looked like when the run started (all zero for synthetic problems).
struct DataFingerprint {
  std::int64_t examples = 0;  ///< training examples
  std::int64_t features = 0;  ///< features per example
  std::int64_t classes = 0;  ///< label classes
  std::uint32_t labels_crc = 0;  ///< CRC-32 of the training labels

  /// Same data.
  friend bool operator==(const DataFingerprint&, const DataFingerprint&) = default;
  template <class Archive>
  /// cereal serialisation.
  void serialize(Archive& ar, const std::uint32_t /*version*/) {
    ar(examples, features, classes, labels_crc);
  }
};

/// Everything that shapes the future of a run (see the file comment).
struct RunCheckpoint {
  RunKindId kind = 0;                  ///< from the header: set by LoadRunCheckpoint, not in the payload
  std::uint32_t format = kCheckpointFormat;  ///< container format it was read from (header)
  std::string config_toml;             ///< the run's config.toml text
  MomentumState state;                 ///< iteration, x, the server rule's buffers v and u
  std::vector<WorkerMemory> workers;   ///< one per logical worker
  DataFingerprint data;  ///< the data checked on resume
  double bits_total = 0;  ///< bits sent so far
  double wall_seconds = 0;             ///< run time before this checkpoint
  /// train loss of the last iteration
  double last_train_loss = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::int64_t> first_below;  ///< per summary level: first iteration below it, 0 = not yet
  bool evaluated = false;              ///< whether the eval fields hold a result
  double eval_loss = 0;  ///< test loss of the last evaluation
  double eval_accuracy = std::numeric_limits<double>::quiet_NaN();  ///< NaN for regression problems
  ProblemStateBlob problem_state;      ///< the problem's own state (format 2 on; empty before)
  /// The registered components the run was built from (record version 3 on; empty before), so
  std::vector<ComponentUse> components;  ///< that a program without one of them refuses the checkpoint by name.

  template <class Archive>
  /// cereal serialisation.
  void save(Archive& ar, const std::uint32_t /*version*/) const {
    ar(config_toml, state, static_cast<std::uint64_t>(workers.size()));
    for (const auto& w : workers) ar(w);
    ar(data, bits_total, wall_seconds, last_train_loss, first_below, evaluated, eval_loss, eval_accuracy);
    ar(problem_state.version, problem_state.bytes);
    ar(static_cast<std::uint64_t>(components.size()));
    for (const ComponentUse& use : components) ar(use.kind, use.name);
  }
  template <class Archive>
  /// cereal deserialisation; `version` is the record version stored.
  void load(Archive& ar, const std::uint32_t version) {
    ar(config_toml, state);
    workers.resize(LoadCount(ar, 4 * sizeof(std::uint64_t)));  // each holds at least its RNG state
    for (auto& w : workers) ar(w);
    ar(data, bits_total, wall_seconds, last_train_loss, first_below, evaluated, eval_loss, eval_accuracy);
    problem_state = {};
    if (version >= 2) ar(problem_state.version, problem_state.bytes);
    components.clear();
    if (version >= 3) {
      components.resize(LoadCount(ar, 2 * sizeof(std::uint64_t)));  // two strings, each at least its length
      for (ComponentUse& use : components) ar(use.kind, use.name);
    }
  }
};

/// Writes the checkpoint atomically; its header records checkpoint.kind.
void SaveRunCheckpoint(const std::filesystem::path& path, const RunCheckpoint& checkpoint);

/// Parses the run record of a verified checkpoint (whose kind the caller may look at first).
/// Throws CheckpointError naming the file.
RunCheckpoint LoadRunCheckpoint(CheckpointFile& file);
/// Reads `path` once, verifies it and parses the verified bytes.
RunCheckpoint LoadRunCheckpoint(const std::filesystem::path& path);

}  // namespace pmlab::core

// The optimiser's types, serialised where the run record needs them (the optimisation library
// itself knows nothing of archives).
namespace cereal {

template <class Archive>
void serialize(Archive& ar, pmlab::core::Rng& rng) {
  pmlab::core::Rng::State s = rng.state();
  ar(s[0], s[1], s[2], s[3]);
  rng.set_state(s);
}

template <class Archive>
void serialize(Archive& ar, pmlab::core::WorkerMemory& m, const std::uint32_t version) {
  ar(m.rng, m.feedback, m.momentum);
  if (version >= 2) ar(m.oracle);  // the oracle's state of the worker (environments in mid-episode)
  else m.oracle.clear();
}

template <class Archive>
void serialize(Archive& ar, pmlab::core::MomentumState& s, const std::uint32_t version) {
  ar(s.iteration, s.x, s.v);
  if (version >= 2) {
    ar(s.u, s.steps);  // the server rules after momentum, and rounds of several steps
  } else {
    s.u.resize(0);
    s.steps = s.iteration;
  }
}

}  // namespace cereal

CEREAL_CLASS_VERSION(pmlab::core::WorkerMemory, 2)
CEREAL_CLASS_VERSION(pmlab::core::MomentumState, 2)
CEREAL_CLASS_VERSION(pmlab::core::DataFingerprint, 1)
CEREAL_CLASS_VERSION(pmlab::core::RunCheckpoint, 3)
