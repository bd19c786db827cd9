#pragma once
// A run of the parallel momentum method on any problem, from its first iteration or from a
// checkpoint: validates the shared options, runs the iterations, and writes the run folder
// (config.toml, metrics.csv, summary.json, checkpoints). `train` and `meta` differ only in the
// RunProblem they hand in; the loop, its checkpoints, signals and divergence handling are here.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/opt/gradient_oracle.h"
#include "core/opt/worker_pool.h"
#include "core/run/metrics_writer.h"
#include "core/run/run_checkpoint.h"
#include "core/run/problem_state.h"
#include "core/run/run_options.h"

namespace pmlab::core {

/// Exit codes of a run besides 0: 3 diverged; 128 + signal after a graceful stop.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDiverged = 3;

/// A wall time as progress lines show it: "42s", "3m07s", "1h05m".
std::string DurationText(double seconds);

/// A held-out figure of the current parameters.
struct Evaluation {
  double loss = 0;  ///< held-out loss
  std::optional<double> accuracy;  ///< classification problems only
};

/// What a problem brings to a run.
struct RunProblem {
  std::shared_ptr<GradientOracle> oracle;  ///< the workers' gradient estimates
  /// What the problem carries between iterations besides x, saved in every checkpoint; null
  std::shared_ptr<ProblemState> state;  ///< for problems without. Often the oracle itself: `state = oracle`.
  Vector x0;                                               ///< starting point, size oracle->Dimension()
  std::function<Evaluation(const Vector& x)> evaluate;     ///< held-out loss (and accuracy) at x
  std::string name;                                        ///< "fmnist", "sine", ...: summary.json's "problem"
  std::string description;                                 ///< one line for the progress log
  DataFingerprint data;                                    ///< the data files it read, if any
  /// Further metrics.csv columns (before wall_seconds, which stays last), filled after each
  std::vector<std::string> extra_columns;  ///< iteration from the new x: extra_cells appends their cells, or nothing for empty ones.
  /// Fills the extra columns for one iteration.
  std::function<void(std::int64_t iteration, const Vector& x, std::vector<MetricsWriter::Cell>& cells)> extra_cells;
  /// True when the held-out figure is a return to maximise (RL): `evaluate` gives minus the
  /// mean evaluation return as its loss (metrics.csv's test_loss), and the end line and
  /// summary.json ("final_eval_return") speak of the return instead of a test loss.
  bool held_out_is_return = false;
  /// A few words for the progress line after the train loss ("return 212.4"), or none.
  std::function<std::string()> progress_note;
  /// Further summary.json members, as (name, JSON value text) pairs, written before bits_total.
  std::function<std::vector<std::pair<std::string, std::string>>()> summary_fields;
};

/// Builds the problem; the pool is the run's, for evaluation to use.
using MakeProblem = std::function<RunProblem(WorkerPool& pool)>;

/// Which kind of run this is, for the checkpoint header and the messages.
struct RunKindInfo {
  RunKindId id = 0;     ///< permanent number in checkpoint headers
  std::string command;  ///< "train", "meta": the subcommand, and summary.json's "command"
};

/// Starts a new run in options.out; `config_toml` goes to RUN_DIR/config.toml and into every
/// checkpoint. Throws std::invalid_argument for bad options (usage), std::runtime_error for
/// failures; returns an exit code.
int StartRun(const RunOptions& options, const RunKindInfo& info, std::string_view config_toml, const MakeProblem& make,
             std::ostream& log);

/// Continues the run in options.out from `from` (read from the file `checkpoint`) up to
/// options.iters, bit for bit as if it had never stopped. `options` are the checkpoint's, with
/// only iters and threads changed.
int ResumeRun(const RunOptions& options, const RunKindInfo& info, std::string_view config_toml, RunCheckpoint from,
              const std::filesystem::path& checkpoint, const MakeProblem& make, std::ostream& log);

/// The problem as it stood at a checkpoint: its parameters and its own state restored and
/// checked against the config and the data found now. For evaluation; writes nothing.
struct RestoredRun {
  std::unique_ptr<WorkerPool> pool;  ///< the pool the problem's evaluation runs on
  RunProblem problem;  ///< the problem, rebuilt
  std::int64_t iteration = 0;  ///< the iteration of the checkpoint
  Vector x;  ///< the parameters at the checkpoint
};
RestoredRun RestoreRun(const RunOptions& options, const RunCheckpoint& checkpoint, const MakeProblem& make);

}  // namespace pmlab::core
