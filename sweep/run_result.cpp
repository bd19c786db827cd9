#include "sweep/run_result.h"

#include <cmath>

#include "core/io/file_text.h"
#include "core/run/metrics_table.h"

namespace pmlab::sweep {
namespace {

// The figures of column `name` (none if the run has no such column), and the first iteration
// at each level: value <= level, or >= level when `higher_is_better`.
void Summarize(const core::MetricsTable& table, const std::string& name, bool higher_is_better, const std::vector<double>& levels,
               MetricFigures& figures, std::vector<std::optional<std::int64_t>>& first) {
  first.assign(levels.size(), std::nullopt);
  const std::optional<std::size_t> found = table.Find(name);
  if (!found) return;
  const std::size_t column = *found;
  const std::size_t iteration = table.Column("iteration");
  for (const std::vector<double>& row : table.rows) {
    const double v = row[column];
    if (!std::isfinite(v)) continue;
    figures.final = v;
    if (!figures.best || (higher_is_better ? v > *figures.best : v < *figures.best)) figures.best = v;
    for (std::size_t i = 0; i < levels.size(); ++i)
      if (!first[i] && (higher_is_better ? v >= levels[i] : v <= levels[i])) first[i] = static_cast<std::int64_t>(row[iteration]);
  }
}

}  // namespace

const char* ToString(RunStatus status) {
  switch (status) {
    case RunStatus::kNotStarted: return "not started";
    case RunStatus::kUnfinished: return "unfinished";
    case RunStatus::kCompleted: return "completed";
    case RunStatus::kDiverged: return "diverged";
  }
  return "unknown";
}

RunStatus StatusOf(const std::filesystem::path& folder) {
  std::error_code error;
  if (!std::filesystem::exists(folder / "config.toml", error)) return RunStatus::kNotStarted;
  if (!std::filesystem::exists(folder / "summary.json", error)) return RunStatus::kUnfinished;
  return core::ReadFileText(folder / "summary.json", core::kSummaryFileLimit, "run summary").find("\"status\": \"diverged\"") != std::string::npos ? RunStatus::kDiverged
                                                                                               : RunStatus::kCompleted;
}

RunResult ReadRunResult(const std::filesystem::path& folder, const ReportLevels& levels) {
  RunResult r;
  r.status = StatusOf(folder);
  r.to_train_loss.assign(levels.train_loss.size(), std::nullopt);
  r.to_test_loss.assign(levels.test_loss.size(), std::nullopt);
  r.to_accuracy.assign(levels.test_accuracy.size(), std::nullopt);
  if (r.status == RunStatus::kNotStarted) return r;
  core::MetricsTable table;
  try {
    table = core::MetricsTable::Load(folder / "metrics.csv");
  } catch (const std::runtime_error&) {
    // A run killed while writing a row leaves it torn until resume rewrites it.
    if (r.status == RunStatus::kUnfinished) return r;
    throw;
  }
  if (table.rows.empty()) return r;
  const std::vector<double>& last = table.rows.back();
  r.iterations = static_cast<std::int64_t>(last[table.Column("iteration")]);
  if (r.status == RunStatus::kDiverged) r.diverged_at = r.iterations;
  Summarize(table, "train_loss", false, levels.train_loss, r.train_loss, r.to_train_loss);
  Summarize(table, "test_loss", false, levels.test_loss, r.test_loss, r.to_test_loss);
  Summarize(table, "test_accuracy", true, levels.test_accuracy, r.test_accuracy, r.to_accuracy);
  for (const auto& [name, target] : {std::pair{"wall_seconds", &r.wall_seconds}, std::pair{"bits_total", &r.bits_total}}) {
    const double v = last[table.Column(name)];
    if (std::isfinite(v)) *target = v;
  }
  return r;
}

}  // namespace pmlab::sweep
