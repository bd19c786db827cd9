#include <iostream>

#include "runners/commands.h"
#include "runners/run_flags.h"

namespace pmlab::runners {

CLI::App* AddMetaCommand(CLI::App& app, metalearn::MetaConfig& c) {
  CLI::App* t = app.add_subcommand("meta", "Meta-learning (MAML, FOMAML, Reptile, Meta-SGD) with parallel momentum");
  t->footer(
      "--config FILE reads these options from a TOML file with a [meta] section, such as a run's\n"
      "RUN_DIR/config.toml; flags on the command line override it.\n"
      "Writes RUN_DIR/config.toml, metrics.csv (one row per meta-iteration; test_loss is the held-out\n"
      "query loss after --inner-steps steps on --eval-tasks tasks) and summary.json.\n"
      "Meta-testing of a finished run: pmlab eval RUN_DIR --tasks 600 --steps 10.\n"
      "Exit codes: 0 done, 1 runtime failure, 2 bad usage, 3 diverged (NaN/Inf).");
  t->configurable();

  t->add_option("--task", c.task, "Task family: sine (Finn et al.), linreg (closed-form MAML), fmnist-fewshot (N-way K-shot)")
      ->check(CLI::IsMember({"sine", "linreg", "fmnist-fewshot"}))->group("Tasks");
  t->add_option("--shots", c.shots, "K: support points per task (per class for fmnist-fewshot)")->check(CLI::Range(1, 100000))->group("Tasks");
  t->add_option("--query", c.query, "Query points per task (per class for fmnist-fewshot)")->check(CLI::Range(1, 100000))->group("Tasks");
  t->add_option("--ways", c.ways, "N: classes per fmnist-fewshot task")->check(CLI::Range(2, 256))->group("Tasks");
  t->add_option("--test-classes", c.test_classes, "fmnist-fewshot: classes held out for meta-testing, e.g. 7,8,9 (none = all classes)")
      ->group("Tasks");
  t->add_option("--data-dir", c.data_dir, "Folder with the Fashion-MNIST IDX files (fmnist-fewshot)")->group("Tasks");
  t->add_option("--linreg-dim", c.linreg_dim, "Features p of the linreg tasks")->check(CLI::Range(1, 100000))->group("Tasks");
  t->add_option("--linreg-spread", c.linreg_spread, "Standard deviation of the linreg task weights around their mean")
      ->check(CLI::NonNegativeNumber)->group("Tasks");

  t->add_option("--algo", c.algo, "Meta-gradient: maml (exact, Hessian-vector products), fomaml, reptile, metasgd")
      ->check(CLI::IsMember({"maml", "fomaml", "reptile", "metasgd"}))->group("Meta-gradient");
  t->add_option("--inner-lr", c.inner_lr, "alpha: adaptation step size (metasgd: initial per-parameter value)")
      ->check(kPositive)->group("Meta-gradient");
  t->add_option("--inner-steps", c.inner_steps, "N: adaptation steps")->check(CLI::Range(0, 1000))->group("Meta-gradient");
  t->add_option("--inner-batch", c.inner_batch, "Points for the inner gradient while training (0 = --shots); its bias knob")
      ->check(CLI::Range(0, 1000000))->group("Meta-gradient");
  t->add_option("--hessian-batch", c.hessian_batch, "Separate sample for the Hessian terms (0 = the inner batch)")
      ->check(CLI::Range(0, 1000000))->group("Meta-gradient");
  t->add_option("--meta-batch", c.meta_batch, "Tasks per meta-iteration, split evenly over --workers")
      ->check(CLI::Range(1, 1 << 24))->group("Meta-gradient");
  t->add_option("--workers", c.workers, "Logical workers; each draws its share of the meta-batch from its own stream")
      ->check(CLI::Range(1, 1 << 24))->group("Meta-gradient");
  t->add_option("--hidden", c.hidden, "Hidden widths, e.g. 40,40, or none; auto = 40,40 (sine), none (linreg), 128,128 (fmnist-fewshot)")
      ->group("Meta-gradient");

  AddRunFlags(t, c, "Held-out evaluation every N meta-iterations (and at the end, in summary.json); 0 = never");
  t->add_option("--eval-tasks", c.eval_tasks, "Held-out tasks in each periodic evaluation")->check(CLI::Range(1, 1 << 24))->group("Run");
  t->add_option("--measure-bias-every", c.measure_bias_every,
                "Log the estimator's relative bias |E g - grad F| / |grad F| (and its Monte-Carlo error) every N meta-iterations; 0 = never")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40))->group("Bias measurement");
  t->add_option("--bias-reference-tasks", c.bias_reference_tasks, "Tasks in each bias measurement")
      ->check(CLI::Range(2, 1 << 20))->group("Bias measurement");
  t->add_option("--bias-reference-points", c.bias_reference_points,
                "Points per set of the exact-MAML reference (sine, fmnist-fewshot; linreg's reference is exact)")
      ->check(CLI::Range(1, 1000000))->group("Bias measurement");
  return t;
}

metalearn::MetaConfig ParseMetaConfig(const std::string& toml) { return ParseConfigToml(toml, &AddMetaCommand); }

std::string MetaConfigToml(const metalearn::MetaConfig& config) { return ConfigToml(config, &AddMetaCommand, "meta"); }

int RunMetaCommand(metalearn::MetaConfig& c) {
  if (c.out.empty()) c.out = DefaultOut("meta");
  return core::StartRun(c, metalearn::kMetaRun, MetaConfigToml(c), metalearn::MetaProblem(c), std::cerr);
}

}  // namespace pmlab::runners
