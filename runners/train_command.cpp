#include <iostream>

#include "runners/commands.h"
#include "runners/run_flags.h"

namespace pmlab::runners {

CLI::App* AddTrainCommand(CLI::App& app, supervised::TrainConfig& c) {
  CLI::App* t = app.add_subcommand("train", "Parallel momentum on the paper's distributed supervised experiment");
  t->footer(
      "--config FILE reads these options from a TOML file with a [train] section, such as a run's\n"
      "RUN_DIR/config.toml; flags on the command line override it.\n"
      "Writes RUN_DIR/config.toml, metrics.csv (one row per round) and summary.json.\n"
      "Exit codes: 0 done, 1 runtime failure, 2 bad usage, 3 diverged (NaN/Inf).");
  t->configurable();

  t->add_option("--problem", c.problem, "fmnist (Fashion-MNIST MLP) or quadratic (strongly convex least squares)")
      ->check(CLI::IsMember({"fmnist", "quadratic"}))->group("Problem");
  t->add_option("--data-dir", c.data_dir, "Folder with the Fashion-MNIST IDX files")->group("Problem");
  t->add_option("--workers", c.workers, "Logical workers n; each owns a fixed shard")->check(CLI::Range(1, 1 << 24))->group("Problem");
  t->add_option("--shard", c.shard, "How the training set is split: contiguous (the paper), iid, label-sorted")
      ->check(CLI::IsMember({"contiguous", "iid", "label-sorted"}))->group("Problem");
  t->add_option("--batch", c.batch, "full (whole shard per round, the paper) or B examples drawn per round")->group("Problem");
  t->add_option("--hidden", c.hidden, "Hidden layer widths, e.g. 512,512 (the paper's 784-512-512-10), or none")->group("Problem");
  t->add_option("--quadratic-dim", c.quadratic_dim, "Parameters of the quadratic problem")->check(CLI::Range(1, 100000))->group("Problem");
  t->add_option("--quadratic-rows", c.quadratic_rows, "Rows of A per worker in the quadratic problem")
      ->check(CLI::Range(1, 1000000))->group("Problem");
  AddRunFlags(t, c, "Test loss/accuracy every N rounds (and at the end, in summary.json); 0 = never");
  return t;
}

supervised::TrainConfig ParseTrainConfig(const std::string& toml) { return ParseConfigToml(toml, &AddTrainCommand); }

std::string TrainConfigToml(const supervised::TrainConfig& config) { return ConfigToml(config, &AddTrainCommand, "train"); }

int RunTrainCommand(supervised::TrainConfig& c) {
  if (c.out.empty()) c.out = DefaultOut("train");
  // Every resolved value, so the file repeats the run exactly (the output folder included:
  // override it with --out when re-running).
  return core::StartRun(c, supervised::kTrainRun, TrainConfigToml(c), supervised::TrainProblem(c), std::cerr);
}

}  // namespace pmlab::runners
