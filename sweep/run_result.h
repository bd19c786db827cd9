#pragma once
// What a sweep reads back from one run folder: how the run ended and its figures, for
// summary.csv, pmlab report and pmlab plot. A diverged run keeps the figures it had before it
// diverged and says at which iteration it did; nothing is ever reported as a NaN.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sweep/sweep_file.h"

namespace pmlab::sweep {

enum class RunStatus {
  kNotStarted,  ///< no run folder
  kUnfinished,  ///< a run folder without summary.json: stopped or killed, resumable
  kCompleted,
  kDiverged,
};

/// "not started", "unfinished", "completed", "diverged".
const char* ToString(RunStatus status);

/// How the run in `folder` stands (from summary.json's "status").
RunStatus StatusOf(const std::filesystem::path& folder);

/// A metric's last and best finite values (best: lowest loss, highest accuracy).
struct MetricFigures {
  std::optional<double> final, best;
};

struct RunResult {
  RunStatus status = RunStatus::kNotStarted;
  std::int64_t iterations = 0;               ///< rows in metrics.csv
  std::optional<std::int64_t> diverged_at;   ///< the iteration whose figures were not finite
  MetricFigures train_loss, test_loss, test_accuracy;
  std::optional<double> wall_seconds, bits_total;  ///< at the last row
  /// Per level of ReportLevels, in its order: the first iteration at the level, if reached.
  std::vector<std::optional<std::int64_t>> to_train_loss, to_test_loss, to_accuracy;
};

/// Reads `folder`'s metrics.csv and summary.json; a run not started has only its status.
/// std::runtime_error naming the file if metrics.csv cannot be read.
RunResult ReadRunResult(const std::filesystem::path& folder, const ReportLevels& levels);

}  // namespace pmlab::sweep
