#include <iostream>

#include "core/run_directory.h"
#include "runners/commands.h"
#include "supervised/train_checkpoint.h"

namespace pmlab::runners {

CLI::App* AddResumeCommand(CLI::App& app, ResumeConfig& c) {
  CLI::App* cmd = app.add_subcommand("resume", "Continue a run from its newest checkpoint (or a given one), bit for bit");
  cmd->add_option("target", c.target, "Run folder (uses its newest checkpoint) or a checkpoint file")->required();
  cmd->add_option("--iters", c.iters, "New total number of rounds (default: the run's own)")->check(CLI::Range(1LL, 1LL << 40));
  cmd->add_option("--threads", c.threads, "Threads (0 = all cores); never changes results")->check(CLI::Range(0, 1024));
  cmd->add_flag("--quiet", c.quiet, "No progress lines");
  cmd->footer("Exit codes as for train: 0 done, 1 runtime failure or unusable checkpoint, 2 bad usage, 3 diverged.");
  return cmd;
}

int RunResumeCommand(const ResumeConfig& r) {
  const std::filesystem::path checkpoint = core::ResolveCheckpoint(r.target);
  const supervised::TrainCheckpoint from = supervised::LoadTrainCheckpoint(checkpoint);
  supervised::TrainConfig config = ParseTrainConfig(from.config_toml);
  // Only what cannot change the trajectory may differ from the stored config (and the length).
  if (r.iters > 0) config.iters = r.iters;
  if (r.threads >= 0) config.threads = r.threads;
  config.quiet = config.quiet || r.quiet;
  const std::filesystem::path run_dir = core::RunDirectoryOf(checkpoint);
  config.out = run_dir.string();
  // config.toml and later checkpoints record the new length and thread count.
  return supervised::ResumeTrain(config, TrainConfigToml(config), from, checkpoint, std::cerr);
}

}  // namespace pmlab::runners
