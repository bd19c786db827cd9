#include <iostream>

#include "core/run_directory.h"
#include "runners/commands.h"

namespace pmlab::runners {
namespace {

// Resumes with the stored config of the checkpoint's run kind; only what cannot change the
// trajectory may differ from it (and the length).
template <typename Config>
int Resume(const ResumeConfig& r, const core::RunCheckpoint& from, const std::filesystem::path& checkpoint,
           Config (*parse)(const std::string&), std::string (*to_toml)(const Config&), const core::RunKindInfo& info,
           core::MakeProblem (*problem)(const Config&)) {
  Config config = parse(from.config_toml);
  if (r.iters > 0) config.iters = r.iters;
  if (r.threads >= 0) config.threads = r.threads;
  config.quiet = config.quiet || r.quiet;
  config.out = core::RunDirectoryOf(checkpoint).string();
  // config.toml and later checkpoints record the new length and thread count.
  return core::ResumeRun(config, info, to_toml(config), from, checkpoint, problem(config), std::cerr);
}

}  // namespace

CLI::App* AddResumeCommand(CLI::App& app, ResumeConfig& c) {
  CLI::App* cmd = app.add_subcommand("resume", "Continue a train or meta run from its newest checkpoint (or a given one), bit for bit");
  cmd->add_option("target", c.target, "Run folder (uses its newest checkpoint) or a checkpoint file")->required();
  cmd->add_option("--iters", c.iters, "New total number of iterations (default: the run's own)")->check(CLI::Range(1LL, 1LL << 40));
  cmd->add_option("--threads", c.threads, "Threads (0 = all cores); never changes results")->check(CLI::Range(0, 1024));
  cmd->add_flag("--quiet", c.quiet, "No progress lines");
  cmd->footer("Exit codes as for train: 0 done, 1 runtime failure or unusable checkpoint, 2 bad usage, 3 diverged.");
  return cmd;
}

int RunResumeCommand(const ResumeConfig& r) {
  const std::filesystem::path checkpoint = core::ResolveCheckpoint(r.target);
  const core::RunCheckpoint from = core::LoadRunCheckpoint(checkpoint);
  switch (from.kind) {
    case core::RunKind::kTrain:
      return Resume(r, from, checkpoint, &ParseTrainConfig, &TrainConfigToml, supervised::kTrainRun, &supervised::TrainProblem);
    case core::RunKind::kMeta:
      return Resume(r, from, checkpoint, &ParseMetaConfig, &MetaConfigToml, metalearn::kMetaRun, &metalearn::MetaProblem);
    default:
      throw std::runtime_error("checkpoint '" + checkpoint.string() + "' belongs to a " + core::ToString(from.kind) +
                               " run, which this build cannot resume");
  }
}

}  // namespace pmlab::runners
