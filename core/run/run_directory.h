#pragma once
// The output folder of a run: config.toml (re-runnable with --config), metrics.csv, and
// summary.json, which is written last and atomically, so that its presence means the run ended
// (its "status" says how). Shared by every run kind.
//
// A run folder comes into being whole: it is filled in a hidden staging folder beside it
// (config, metrics header, the checkpoint before the first iteration) and renamed into place.
// A run killed at any moment therefore leaves either no folder (and `--out` can be used again)
// or one that `pmlab resume` continues.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pmlab::core {

class RunDirectory {
 public:
  /// Creates the run folder `dir`: `fill` writes what a resume needs into a staging folder,
  /// which is then renamed to `dir`. Refuses (std::invalid_argument) a `dir` that exists and
  /// is not an empty folder; std::runtime_error if the file system refuses.
  static RunDirectory Create(const std::filesystem::path& dir, const std::function<void(const RunDirectory& staging)>& fill);
  /// An existing run folder (for resume); std::runtime_error if it holds no run.
  static RunDirectory Open(const std::filesystem::path& dir);

  const std::filesystem::path& path() const { return dir_; }
  std::filesystem::path Metrics() const { return dir_ / "metrics.csv"; }
  std::filesystem::path Config() const { return dir_ / "config.toml"; }
  std::filesystem::path Summary() const { return dir_ / "summary.json"; }

  std::filesystem::path Checkpoints() const { return dir_ / "checkpoints"; }
  /// checkpoints/ckpt-NNNNNN.pmlab
  std::filesystem::path CheckpointFor(std::int64_t iteration) const;
  /// Checkpoint files by iteration, oldest first.
  std::vector<std::pair<std::int64_t, std::filesystem::path>> ListCheckpoints() const;
  /// Deletes all but the newest `keep` checkpoints (call after a new one is in place).
  void PruneCheckpoints(int keep) const;
  /// Deletes checkpoints of iterations after `iteration` (a resume from an older one).
  std::vector<std::int64_t> DropCheckpointsAfter(std::int64_t iteration) const;

  void WriteConfig(std::string_view toml) const;
  void WriteSummary(std::string_view json) const;

 private:
  explicit RunDirectory(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

/// The checkpoint a user means by `target`: a checkpoint file itself, or the newest checkpoint
/// of a run folder. Throws std::runtime_error naming what is missing.
std::filesystem::path ResolveCheckpoint(const std::filesystem::path& target);

/// The checkpoint files of the run folder `folder` by iteration, oldest first (none if it has
/// no checkpoints/ folder).
std::vector<std::pair<std::int64_t, std::filesystem::path>> CheckpointFilesIn(const std::filesystem::path& folder);

/// The run folder a checkpoint file belongs to (RUN_DIR/checkpoints/ckpt-N.pmlab -> RUN_DIR).
std::filesystem::path RunDirectoryOf(const std::filesystem::path& checkpoint);

/// A JSON string literal for `text` (quotes, backslashes and control characters escaped), which
/// is also a TOML basic string.
std::string JsonString(std::string_view text);

}  // namespace pmlab::core
