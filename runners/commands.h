#pragma once
// The pmlab subcommands besides the run kinds (run_kind.h). Each Add* registers its flags on
// the top-level app and each Run* executes a parsed subcommand, returning the process exit code.
// Errors are thrown: std::invalid_argument for usage (exit 2), other std::exception for runtime
// failures (exit 1).
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "runners/run_kind.h"

namespace pmlab::runners {

/// `pmlab envs`: the registered environments, their spaces, parameters and defaults.
struct EnvsConfig {
  bool families = false;  ///< list the task families instead
  std::string render;     ///< an environment spec to draw instead of listing
  std::string out;        ///< PNG of the first frame, or GIF of the episode (by extension)
  int steps = 200;        ///< steps of random actions in a GIF
  std::uint64_t seed = 1;
};
CLI::App* AddEnvsCommand(CLI::App& app, EnvsConfig& config);
int RunEnvsCommand(const EnvsConfig& config);

/// `pmlab compare RUN_DIR...`: rounds to reach a train-loss level, final test figures.
struct CompareConfig {
  std::vector<std::string> runs;  ///< run folders
  double loss_level = 0.5;        ///< train-loss level to reach
};
CLI::App* AddCompareCommand(CLI::App& app, CompareConfig& config);
int RunCompareCommand(const CompareConfig& config);

/// `pmlab resume RUN_DIR|CHECKPOINT`: continue a run of any registered kind bit for bit.
CLI::App* AddResumeCommand(CLI::App& app, ResumeRequest& request);
int RunResumeCommand(const ResumeRequest& request);

/// `pmlab eval RUN_DIR|CHECKPOINT`: the evaluation of the checkpoint's run kind (train: test
/// loss and accuracy; meta: held-out loss after 0..steps adaptation steps with 95% intervals).
struct EvalCommand {
  EvalRequest request;
  std::unique_ptr<EvalFlags> flags;  ///< the kinds' own flags, bound while the app lives
};
CLI::App* AddEvalCommand(CLI::App& app, EvalCommand& command);
int RunEvalCommand(const EvalCommand& command);

/// `pmlab sweep FILE --out DIR` runs a sweep file's grid; `pmlab sweep DIR --resume` continues it.
struct SweepConfig {
  std::string target;      ///< a sweep file (new sweep) or a sweep folder (--resume)
  std::string out;         ///< the new sweep's folder; default runs/sweep-STEM-YYYYmmdd-HHMMSS
  bool resume = false;
  int threads = 0;         ///< for all runs together; 0 = every core
  int parallel_runs = 1;
  bool dry_run = false;    ///< list the runs and their commands, run nothing
  bool quiet = false;
};
CLI::App* AddSweepCommand(CLI::App& app, SweepConfig& config);
int RunSweepCommand(const SweepConfig& config);

/// `pmlab report SWEEP_DIR`: the markdown table of a sweep, printed and written to report.md.
struct ReportConfig {
  std::string target;
  std::string over = "seed";  ///< axes averaged over, comma-separated
  std::string versus;         ///< AXIS=VALUE: ratio of iterations to each level against it
  std::string out;            ///< default SWEEP_DIR/report.md
};
CLI::App* AddReportCommand(CLI::App& app, ReportConfig& config);
int RunReportCommand(const ReportConfig& config);

/// `pmlab plot SWEEP_DIR|RUN_DIR... --metric M --out FIG.png`: curves with bands over seeds.
struct PlotConfig {
  std::vector<std::string> targets;
  std::string metric = "train_loss";
  std::string x = "iteration";  ///< iteration, wall or bits
  bool log_x = false, log_y = false;
  std::string panel;
  std::string over = "seed";
  std::string title;
  std::string out;
};
CLI::App* AddPlotCommand(CLI::App& app, PlotConfig& config);
int RunPlotCommand(const PlotConfig& config);

/// `pmlab inspect CHECKPOINT|RUN_DIR`: header, checksum, sizes and config of a checkpoint.
struct InspectConfig {
  std::string target;
  bool json = false;
};
CLI::App* AddInspectCommand(CLI::App& app, InspectConfig& config);
int RunInspectCommand(const InspectConfig& config);

}  // namespace pmlab::runners

namespace pmlab::runners {

/// The whole command line: parses `argc`/`argv`, runs the command, returns the exit code.
int RunPmlab(int argc, char** argv);

}  // namespace pmlab::runners
