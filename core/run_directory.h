#pragma once
// The output folder of a run: config.toml (re-runnable with --config), metrics.csv, and
// summary.json, which is written last and atomically, so that its presence means the run ended
// (its "status" says how). Shared by every run kind.
#include <filesystem>
#include <string>
#include <string_view>

namespace pmlab::core {

class RunDirectory {
 public:
  /// Refuses (std::invalid_argument) a folder that already holds a run; creates it otherwise
  /// (std::runtime_error if that fails or it is not writable).
  static RunDirectory Create(const std::filesystem::path& dir);

  const std::filesystem::path& path() const { return dir_; }
  std::filesystem::path Metrics() const { return dir_ / "metrics.csv"; }
  std::filesystem::path Config() const { return dir_ / "config.toml"; }
  std::filesystem::path Summary() const { return dir_ / "summary.json"; }

  void WriteConfig(std::string_view toml) const;
  void WriteSummary(std::string_view json) const;

 private:
  explicit RunDirectory(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

/// A JSON string literal for `text` (quotes, backslashes and control characters escaped).
std::string JsonString(std::string_view text);

}  // namespace pmlab::core
