#include "runners/commands.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>
#include <sstream>

namespace pmlab::runners {
namespace {

// A number for which `ok` holds; otherwise "value X <allowed>".
CLI::Validator NumberWhere(bool (*ok)(double), const std::string& allowed, const std::string& name) {
  return CLI::Validator(
      [ok, allowed](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const double v = std::stod(text, &used);
          if (used == text.size() && ok(v)) return {};
        } catch (const std::exception&) {
        }
        return "value " + text + " " + allowed;
      },
      name);
}

const CLI::Validator kOpenClosedUnit = NumberWhere(
    [](double v) { return v > 0.0 && v <= 1.0; }, "not in (0, 1] (1 = biased gradient descent, 0.1 = momentum 0.9)", "in (0, 1]");
const CLI::Validator kPositive =
    NumberWhere([](double v) { return v > 0.0 && std::isfinite(v); }, "must be a finite number > 0", "> 0");

std::string DefaultOut() {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return std::string("runs/train-") + stamp;
}

}  // namespace

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

  t->add_option("--iters", c.iters, "Rounds to run")->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))->group("Method");
  t->add_option("--lr", c.lr, "Step size gamma")->check(kPositive)->group("Method");
  t->add_option("--beta", c.beta, "Weight of the new gradient in v = (1-beta) v + beta g; 1 = biased GD")
      ->check(kOpenClosedUnit)->group("Method");
  // CLI11 does not capture a flag's default; config files need the current value.
  t->add_flag("--nesterov", c.nesterov, "Nesterov's variant: step along beta g + (1-beta) v")
      ->default_str(c.nesterov ? "true" : "false")->group("Method");
  t->add_option("--momentum-at", c.momentum_at, "server (the paper) or worker (each worker keeps v before its transform)")
      ->check(CLI::IsMember({"server", "worker"}))->group("Method");
  t->add_option("--schedule", c.schedule, "Step size schedule: constant, cosine, step:EVERY:FACTOR")->group("Method");
  t->add_option("--compress", c.compress,
                "Worker compressor: none, topk:F|K, randk:F|K (unbiased), randk-biased:F|K, sign, qsgd:S. "
                "F with a '.' is a fraction of d, K a count")
      ->group("Biased operators");
  t->add_option("--clip", c.clip, "Worker clipping before compression: none, norm:TAU (the paper), value:TAU")
      ->group("Biased operators");
  t->add_option("--error-feedback", c.error_feedback, "none, ef (classic), ef21")
      ->check(CLI::IsMember({"none", "ef", "ef21"}))->group("Biased operators");

  t->add_option("--seed", c.seed, "Run seed (data split, initialisation, worker streams)")->group("Run");
  t->add_option("--threads", c.threads, "Threads (0 = all cores); never changes results")->check(CLI::Range(0, 1024))->group("Run");
  t->add_option("--eval-every", c.eval_every, "Test loss/accuracy every N rounds (and at the end, in summary.json); 0 = never")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40))->group("Run");
  t->add_option("--out", c.out, "Run folder to create (default runs/train-DATE-TIME)")->group("Run");
  t->add_option("--checkpoint-every", c.checkpoint_every, "Checkpoint every N rounds and at the end (0 = only at the end)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40))->group("Run");
  t->add_option("--keep-checkpoints", c.keep_checkpoints, "Newest checkpoints kept in RUN_DIR/checkpoints")
      ->check(CLI::Range(1, 1000000))->group("Run");
  t->add_flag("--quiet", c.quiet, "No progress lines")->default_str(c.quiet ? "true" : "false")->group("Run");
  return t;
}

supervised::TrainConfig ParseTrainConfig(const std::string& toml) {
  CLI::App app;
  app.allow_config_extras(CLI::config_extras_mode::error);
  supervised::TrainConfig config;
  AddTrainCommand(app, config);
  std::istringstream in(toml);
  try {
    app.parse_from_stream(in);
  } catch (const CLI::ParseError& e) {
    throw std::runtime_error(std::string("the stored config cannot be read: ") + e.what());
  }
  return config;
}

std::string TrainConfigToml(const supervised::TrainConfig& config) {
  // Register the flags with `config` as their defaults and write them all back out.
  CLI::App app;
  app.option_defaults()->always_capture_default();
  supervised::TrainConfig copy = config;
  CLI::App* train = AddTrainCommand(app, copy);
  std::vector<std::string> args{"train"};
  app.parse(args);
  return "# pmlab train configuration; run again with: pmlab train --config THIS_FILE --out NEW_DIR\n[train]\n" +
         train->config_to_str(true, false);
}

int RunTrainCommand(supervised::TrainConfig& c) {
  if (c.out.empty()) c.out = DefaultOut();
  // Every resolved value, so the file repeats the run exactly (the output folder included:
  // override it with --out when re-running).
  return supervised::RunTrain(c, TrainConfigToml(c), std::cerr);
}

}  // namespace pmlab::runners
