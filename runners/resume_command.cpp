#include <iostream>

#include "core/run/run_directory.h"
#include "runners/commands.h"

namespace pmlab::runners {

CLI::App* AddResumeCommand(CLI::App& app, ResumeRequest& c) {
  CLI::App* cmd = app.add_subcommand("resume", "Continue a run from its newest checkpoint (or a given one), bit for bit");
  cmd->add_option("target", c.target, "Run folder (uses its newest checkpoint) or a checkpoint file")->required();
  cmd->add_option("--iters", c.iters, "New total number of iterations (default: the run's own)")->check(CLI::Range(1LL, 1LL << 40));
  cmd->add_option("--threads", c.threads, "Threads (0 = all cores); never changes results")->check(CLI::Range(0, 1024));
  cmd->add_flag("--quiet", c.quiet, "No progress lines");
  cmd->footer(
      "A run with --schedule cosine cannot be extended with --iters: its step sizes are spread over\n"
      "the original length. Exit codes as for train: 0 done, 1 runtime failure or unusable checkpoint,\n"
      "2 bad usage, 3 diverged.");
  return cmd;
}

int RunResumeCommand(const ResumeRequest& r) {
  TargetCheckpoint t = OpenTargetCheckpoint(r.target);
  return t.kind->Resume(r, std::move(t.record), t.file);
}

}  // namespace pmlab::runners
