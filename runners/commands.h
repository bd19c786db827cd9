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
  unsigned long long seed = 1;
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
