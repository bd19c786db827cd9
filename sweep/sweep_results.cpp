#include "sweep/sweep_results.h"

#include <sstream>

#include "core/io/atomic_file.h"
#include "core/opt/exact_number.h"

namespace pmlab::sweep {
namespace {

// A CSV cell, quoted when it holds a comma, quote or line break (RFC 4180).
std::string Cell(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

template <typename T>
std::string Cell(const std::optional<T>& v) {
  if (!v) return "";
  if constexpr (std::is_integral_v<T>) return std::to_string(*v);
  else return core::FormatNumber(*v);
}

std::string LevelName(double level) { return core::FormatNumber(level); }

}  // namespace

SweepResults LoadSweep(const std::filesystem::path& folder) {
  std::error_code error;
  if (!std::filesystem::exists(SweepFileIn(folder), error))
    throw SweepFileError("'" + folder.string() + "' holds no sweep (no sweep.toml); give the folder pmlab sweep --out wrote");
  SweepResults s;
  s.folder = folder;
  s.file = SweepFile::Load(SweepFileIn(folder));
  s.runs = Expand(s.file);
  for (const PlannedRun& run : s.runs) s.results.push_back(ReadRunResult(folder / run.name, s.file.levels));
  return s;
}

std::string SummaryCsv(const SweepResults& s) {
  const ReportLevels& levels = s.file.levels;
  std::ostringstream csv;
  csv << "run";
  for (const SweepOption& axis : s.file.axes) csv << "," << Cell(axis.name);
  csv << ",status,iterations,diverged_at,final_train_loss,best_train_loss,final_test_loss,best_test_loss,final_test_accuracy,"
         "best_test_accuracy,wall_seconds,bits_total";
  for (const double l : levels.train_loss) csv << ",iters_to_train_loss_" << LevelName(l);
  for (const double l : levels.test_loss) csv << ",iters_to_test_loss_" << LevelName(l);
  for (const double l : levels.test_accuracy) csv << ",iters_to_test_accuracy_" << LevelName(l);
  csv << "\n";
  for (std::size_t i = 0; i < s.runs.size(); ++i) {
    const RunResult& r = s.results[i];
    csv << Cell(s.runs[i].name);
    for (const auto& [axis, value] : s.runs[i].setting) csv << "," << Cell(value);
    csv << "," << ToString(r.status) << "," << r.iterations << "," << Cell(r.diverged_at);
    for (const MetricFigures* m : {&r.train_loss, &r.test_loss, &r.test_accuracy}) csv << "," << Cell(m->final) << "," << Cell(m->best);
    csv << "," << Cell(r.wall_seconds) << "," << Cell(r.bits_total);
    for (const auto* firsts : {&r.to_train_loss, &r.to_test_loss, &r.to_accuracy})
      for (const auto& first : *firsts) csv << "," << Cell(first);
    csv << "\n";
  }
  return csv.str();
}

void WriteSummaryCsv(const SweepResults& s) { core::WriteFileAtomically(s.folder / "summary.csv", SummaryCsv(s)); }

}  // namespace pmlab::sweep
