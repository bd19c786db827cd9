#pragma once
// A sweep folder read back: its sweep file (the copy in SWEEP/sweep.toml), its runs and what
// each has produced so far. summary.csv is written from it after every run, so that a sweep
// stopped half-way already has a table pandas or a spreadsheet opens.
#include <filesystem>
#include <string>
#include <vector>

#include "sweep/run_result.h"
#include "sweep/sweep_file.h"
#include "sweep/sweep_plan.h"

namespace pmlab::sweep {

/// The copy of the sweep file inside a sweep folder.
inline std::filesystem::path SweepFileIn(const std::filesystem::path& folder) { return folder / "sweep.toml"; }

struct SweepResults {
  std::filesystem::path folder;
  SweepFile file;
  std::vector<PlannedRun> runs;
  std::vector<RunResult> results;  ///< one per run, same order
};

/// Reads the sweep in `folder`; SweepFileError if it holds no sweep.toml or a bad one,
/// std::runtime_error if a run's files cannot be read.
SweepResults LoadSweep(const std::filesystem::path& folder);

/// summary.csv's text: one row per run with its folder, axis values, status, the iteration it
/// diverged at, final and best train_loss, test_loss and test_accuracy, wall_seconds,
/// bits_total, and the first iteration at each report level (empty when never reached).
std::string SummaryCsv(const SweepResults& sweep);

/// Writes SummaryCsv to SWEEP/summary.csv atomically.
void WriteSummaryCsv(const SweepResults& sweep);

}  // namespace pmlab::sweep
