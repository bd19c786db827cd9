#pragma once
// The pmlab subcommands. Each Add* registers its flags on the top-level app and each Run*
// executes a parsed subcommand, returning the process exit code. Errors are thrown:
// std::invalid_argument for usage (exit 2), other std::exception for runtime failures (exit 1).
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "metalearn/meta_experiment.h"
#include "supervised/train_experiment.h"

namespace pmlab::runners {

/// `pmlab train`: the paper's distributed supervised experiment.
CLI::App* AddTrainCommand(CLI::App& app, supervised::TrainConfig& config);
int RunTrainCommand(supervised::TrainConfig& config);
/// config.toml text holding every option of `config`; ParseTrainConfig reads it back.
std::string TrainConfigToml(const supervised::TrainConfig& config);
supervised::TrainConfig ParseTrainConfig(const std::string& toml);

/// `pmlab meta`: meta-learning with biased meta-gradients.
CLI::App* AddMetaCommand(CLI::App& app, metalearn::MetaConfig& config);
int RunMetaCommand(metalearn::MetaConfig& config);
std::string MetaConfigToml(const metalearn::MetaConfig& config);
metalearn::MetaConfig ParseMetaConfig(const std::string& toml);

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

/// `pmlab resume RUN_DIR|CHECKPOINT`: continue a run bit for bit.
struct ResumeConfig {
  std::string target;  ///< run folder (newest checkpoint) or checkpoint file
  long long iters = 0; ///< new total rounds; 0 keeps the run's
  int threads = -1;    ///< threads; -1 keeps the run's (never changes results)
  bool quiet = false;
};
CLI::App* AddResumeCommand(CLI::App& app, ResumeConfig& config);
int RunResumeCommand(const ResumeConfig& config);

/// `pmlab eval RUN_DIR|CHECKPOINT`: test loss and accuracy of a train checkpoint; for a meta
/// checkpoint, the held-out loss after 0..steps adaptation steps with 95% confidence intervals.
struct EvalConfig {
  std::string target;
  std::string data_dir;  ///< overrides the run's data folder when given
  int tasks = 600;       ///< meta: held-out tasks
  int steps = -1;        ///< meta: adaptation steps; -1 = the run's --inner-steps
  bool json = false;
};
CLI::App* AddEvalCommand(CLI::App& app, EvalConfig& config);
int RunEvalCommand(const EvalConfig& config);

/// `pmlab inspect CHECKPOINT|RUN_DIR`: header, checksum, sizes and config of a checkpoint.
struct InspectConfig {
  std::string target;
  bool json = false;
};
CLI::App* AddInspectCommand(CLI::App& app, InspectConfig& config);
int RunInspectCommand(const InspectConfig& config);

}  // namespace pmlab::runners
