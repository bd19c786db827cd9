#pragma once
// Runs a sweep: every run of the grid as a pmlab process of its own (one after another, or
// --parallel-runs at a time with the threads split between them; a run's results never depend
// on either), each writing its own run folder under the sweep's. A sweep stopped by Ctrl-C or
// killed outright continues where it was: finished runs are skipped, unfinished ones resume
// from their checkpoints, the rest start.
//
//   SWEEP/sweep.toml     the sweep file, as given
//   SWEEP/RUN/           each run's folder (config.toml, metrics.csv, summary.json, checkpoints/)
//   SWEEP/logs/RUN.log   each run's output
//   SWEEP/summary.csv    one row per run, rewritten after every run
#include <filesystem>
#include <iosfwd>
#include <string>

namespace pmlab::sweep {

struct SweepRunOptions {
  std::filesystem::path program;  ///< the pmlab binary that runs each run
  int threads = 0;                ///< threads for all runs together (0 = every core)
  int parallel_runs = 1;          ///< runs at a time, each with threads / parallel_runs threads
  bool quiet = false;             ///< one line per finished run instead of the runs' progress
};

/// Makes the sweep folder `folder` holding `sweep_text` as sweep.toml; std::invalid_argument
/// naming --out if `folder` exists and is not an empty folder.
void CreateSweepFolder(const std::filesystem::path& folder, const std::string& sweep_text);

/// Runs what is left of the sweep in `folder`. Returns 0 when every run has finished (completed
/// or diverged), 128 + signal when stopped by one (each running run checkpoints first), 2 if a
/// run refused its options, 1 if a run failed otherwise.
int RunSweep(const std::filesystem::path& folder, const SweepRunOptions& options, std::ostream& log);

}  // namespace pmlab::sweep
