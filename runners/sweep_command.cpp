// `pmlab sweep`: a grid of runs from a sweep file, resumable (sweep/sweep_runner.h).
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "runners/commands.h"
#include "runners/run_flags.h"
#include "sweep/sweep_plan.h"
#include "sweep/sweep_results.h"
#include "sweep/sweep_runner.h"

namespace pmlab::runners {
namespace {

namespace fs = std::filesystem;

RunKind& KindOf(const sweep::SweepFile& file) {
  std::string names;
  for (RunKind* kind : RunKinds()) {
    if (kind->info().command == file.command) return *kind;
    names += (names.empty() ? "" : ", ") + kind->info().command;
  }
  throw sweep::SweepFileError(file.At(file.command_line, "command '" + file.command + "' is not a run command (allowed: " + names + ")"));
}

// Parses `args` with a fresh `pmlab COMMAND` app and, if `check`, validates the config as the
// run would before building anything; the error message, or empty.
std::string ParseError(RunKind& kind, const std::vector<std::string>& args, bool check) {
  CLI::App app;
  UsePmlabOptionDefaults(app);
  kind.AddCommand(app);
  RefuseEmptyText(app);  // as the command line does
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses a reversed vector
  try {
    app.parse(reversed);
    if (check) kind.Check();
  } catch (const CLI::ParseError& e) {
    return e.what();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

// Every option the file names must be one of the command's, and every value one it accepts;
// then every run's whole command line must parse. Refusals name the file's line.
void Validate(const sweep::SweepFile& file, const std::vector<sweep::PlannedRun>& runs) {
  RunKind& kind = KindOf(file);
  CLI::App app;
  UsePmlabOptionDefaults(app);
  CLI::App* cmd = kind.AddCommand(app);
  for (const auto* options : {&file.base, &file.axes})
    for (const sweep::SweepOption& o : *options) {
      if (!cmd->get_option_no_throw("--" + o.name))
        throw sweep::SweepFileError(file.At(o.line, "'" + o.name + "' is not an option of pmlab " + file.command + " (pmlab " + file.command +
                                                       " --help lists them)"));
      for (const std::string& value : o.values)
        if (const std::string error = ParseError(kind, {file.command, "--" + o.name + "=" + value}, false); !error.empty())
          throw sweep::SweepFileError(file.At(o.line, "'" + o.name + "' = " + value + ": " + error));
    }
  for (const sweep::PlannedRun& run : runs)
    if (const std::string error = ParseError(kind, run.args, true); !error.empty())
      throw sweep::SweepFileError(file.path.string() + ": the run " + run.name + " is refused: " + error);
}

}  // namespace

CLI::App* AddSweepCommand(CLI::App& app, SweepConfig& c) {
  CLI::App* cmd = app.add_subcommand("sweep", "Run a grid of runs from a sweep file (resumable), e.g. seeds x beta x compressor");
  cmd->add_option("target", c.target, "A sweep file (TOML) to start, or with --resume a sweep folder to continue")->required();
  cmd->add_option("--out", c.out, "Folder of a new sweep (default runs/sweep-FILE-YYYYmmdd-HHMMSS)");
  cmd->add_flag("--resume", c.resume, "Continue the sweep in the target folder: skip finished runs, resume unfinished ones");
  cmd->add_option("--threads", c.threads, "Threads for all runs together (0 = every core); never changes results")->check(CLI::Range(0, 1024));
  cmd->add_option("--parallel-runs", c.parallel_runs, "Runs at a time, sharing --threads; never changes results")->check(CLI::Range(1, 1024));
  cmd->add_flag("--dry-run", c.dry_run, "List the runs and their commands; run nothing");
  cmd->add_flag("--quiet", c.quiet, "One line per finished run instead of every run's progress");
  cmd->footer(
      "A sweep file names the command, its base options, the axes to vary (the runs are their grid\n"
      "product, the last axis fastest) and the levels pmlab report counts iterations to:\n\n"
      "  command = \"train\"\n  [base]\n  workers = 100\n  iters = 200\n  [axes]\n  beta = [0.1, 1.0]\n"
      "  compress = [\"topk:0.02\", \"topk:0.05\"]\n  seed = [0, 1, 2, 3, 4]\n  [report]\n  loss_levels = [1.0, 0.7, 0.5]\n"
      "  # also test_loss_levels, accuracy_levels (test accuracy >= level)\n\n"
      "Writes SWEEP/sweep.toml, one run folder per run (named from its axis values), SWEEP/logs/RUN.log\n"
      "and SWEEP/summary.csv (one row per run, rewritten after each). Then: pmlab report SWEEP,\n"
      "pmlab plot SWEEP --metric train_loss --out FIG.png. Ctrl-C checkpoints the running runs;\n"
      "pmlab sweep SWEEP --resume continues. Exit codes: 0 all runs finished (diverged ones count as\n"
      "finished), 1 a run failed, 2 usage (a bad sweep file names its line), 130 stopped.");
  return cmd;
}

int RunSweepCommand(const SweepConfig& c) {
  std::error_code error;
  const bool is_folder = fs::is_directory(c.target, error);
  fs::path folder;
  if (c.resume) {
    if (!is_folder) throw std::invalid_argument("--resume: '" + c.target + "' is not a sweep folder; give the folder a sweep wrote (--out)");
    if (!c.out.empty()) throw std::invalid_argument("--out: a resumed sweep stays in its folder; drop --out");
    folder = c.target;
  } else if (is_folder) {
    throw std::invalid_argument("'" + c.target + "' is a folder; continue a sweep with: pmlab sweep " + c.target + " --resume");
  }
  // The plan, validated before anything is written.
  const sweep::SweepFile file = sweep::SweepFile::Load(c.resume ? sweep::SweepFileIn(folder) : fs::path(c.target));
  const std::vector<sweep::PlannedRun> runs = sweep::Expand(file);
  Validate(file, runs);
  if (c.dry_run) {
    std::cout << runs.size() << " runs of pmlab " << file.command << ":\n";
    for (const sweep::PlannedRun& run : runs) {
      std::cout << "  " << run.name << ":  pmlab";
      for (const std::string& arg : run.args) std::cout << " " << arg;
      std::cout << "\n";
    }
    return 0;
  }
  if (!c.resume) {
    folder = c.out.empty() ? fs::path(DefaultOut("sweep-" + fs::path(c.target).stem().string())) : fs::path(c.out);
    sweep::CreateSweepFolder(folder, file.text);
  }
  sweep::SweepRunOptions o;
  o.program = fs::read_symlink("/proc/self/exe", error);
  if (error) throw std::runtime_error("cannot find the pmlab binary to run the sweep's runs: " + error.message());
  o.threads = c.threads;
  o.parallel_runs = c.parallel_runs;
  o.quiet = c.quiet;
  return sweep::RunSweep(folder, o, std::cerr);
}

}  // namespace pmlab::runners
