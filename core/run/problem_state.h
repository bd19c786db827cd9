#pragma once
// State a problem carries from one iteration to the next besides x: observation-normalisation
// statistics, a baseline fitted outside x, episode counters. The run loop saves it into every
// checkpoint and restores it on resume, eval and inspect, without knowing its fields: the
// problem serialises itself, and the run record keeps the bytes as a versioned blob inside the
// same atomic, checksummed checkpoint.
#include <cstdint>
#include <string>

#include "core/io/checkpoint_archive.h"

namespace pmlab::core {

/// State a problem carries between iterations besides x, saved in every checkpoint.
class ProblemState {
 public:
  virtual ~ProblemState() = default;

  /// Layout version of what SaveState writes; LoadState is handed the version that was stored.
  virtual std::uint32_t StateVersion() const = 0;
  /// Writes the state; LoadState reads it back.
  virtual void SaveState(CheckpointOutputArchive& ar) const = 0;
  /// Restores what SaveState wrote; throws cereal::Exception (or std::runtime_error) when the
  /// stored state does not fit this problem or its version is unknown.
  virtual void LoadState(CheckpointInputArchive& ar, std::uint32_t version) = 0;
};

/// A problem's state as stored in a checkpoint.
struct ProblemStateBlob {
  std::uint32_t version = 0;  ///< what StateVersion() said when it was saved
  std::string bytes;  ///< what SaveState wrote; empty for problems without state

  /// The blob of `state`.
  static ProblemStateBlob Of(const ProblemState& state);
  /// Restores `state` from the blob; every stored byte must be consumed. Throws
  /// std::runtime_error naming `source` when the blob does not fit.
  void RestoreInto(ProblemState& state, const std::string& source) const;

  /// Same version and bytes.
  friend bool operator==(const ProblemStateBlob&, const ProblemStateBlob&) = default;
};

}  // namespace pmlab::core
