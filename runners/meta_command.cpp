// `pmlab meta`: meta-learning with biased meta-gradients, as a run kind.
#include <cereal/archives/json.hpp>
#include <cereal/types/vector.hpp>

#include <cstdio>
#include <iostream>

#include "core/opt/flag_context.h"
#include "metalearn/meta_experiment.h"
#include "runners/typed_run_kind.h"

namespace pmlab::runners {
namespace {

class MetaKind final : public TypedRunKind<metalearn::MetaConfig> {
 public:
  MetaKind() : TypedRunKind({2, "meta"}) {}

  void AddEvalFlags(EvalFlags& flags) override {
    data_dir_.clear();
    tasks_ = 600;
    steps_ = -1;
    flags.Add("--data-dir", data_dir_, "Read the data from here instead of the run's --data-dir", "Runs that read data (train, meta)");
    flags.Add("--tasks", tasks_, "Held-out tasks to adapt to (default 600)", "Meta runs");
    flags.Add("--steps", steps_, "Report the query loss after 0..STEPS adaptation steps (default: the run's --inner-steps)", "Meta runs");
  }

  int Evaluate(const EvalRequest& e, const core::RunCheckpoint& ck, const std::filesystem::path& checkpoint) override {
    core::Require(tasks_ >= 1, "--tasks: must be at least 1");
    core::Require(steps_ >= -1 && steps_ <= 100000, "--steps: must be from 0 to 100000");
    metalearn::MetaConfig config = Parse(ck.config_toml);
    if (!data_dir_.empty()) config.data_dir = data_dir_;
    const int steps = steps_ >= 0 ? steps_ : config.inner_steps;
    const metalearn::MetaTestResult run = metalearn::MetaTestCheckpoint(config, ck, tasks_, steps);
    const metalearn::HeldOutCurve& c = run.curve;
    if (e.json) {
      {
        cereal::JSONOutputArchive ar(std::cout);
        ar(cereal::make_nvp("checkpoint", checkpoint.string()), cereal::make_nvp("iteration", run.iteration),
           cereal::make_nvp("task", config.task), cereal::make_nvp("algo", config.algo), cereal::make_nvp("tasks", c.tasks),
           cereal::make_nvp("shots", config.shots), cereal::make_nvp("inner_lr", config.inner_lr),
           cereal::make_nvp("loss", c.loss), cereal::make_nvp("loss_ci95", c.loss_ci95));
        if (!c.accuracy.empty()) ar(cereal::make_nvp("accuracy", c.accuracy), cereal::make_nvp("accuracy_ci95", c.accuracy_ci95));
      }
      std::cout << "\n";
      return 0;
    }
    std::printf("%s after %lld meta-iterations: %d held-out tasks, %d shots, inner lr %g (%s)\n", config.task.c_str(),
                static_cast<long long>(run.iteration), c.tasks, config.shots, config.inner_lr, config.algo.c_str());
    std::printf("%5s  %12s  %10s", "steps", "query_loss", "ci95");
    if (!c.accuracy.empty()) std::printf("  %9s  %8s", "accuracy", "ci95");
    std::printf("\n");
    for (std::size_t j = 0; j < c.loss.size(); ++j) {
      std::printf("%5zu  %12.4f  %10.4f", j, c.loss[j], c.loss_ci95[j]);
      if (!c.accuracy.empty()) std::printf("  %8.2f%%  %7.2f%%", 100 * c.accuracy[j], 100 * c.accuracy_ci95[j]);
      std::printf("\n");
    }
    return 0;
  }

 protected:
  CLI::App* AddFlags(CLI::App& app, metalearn::MetaConfig& c) const override {
    CLI::App* t = app.add_subcommand("meta", "Meta-learning (MAML, FOMAML, Reptile, Meta-SGD) with parallel momentum");
    t->footer(RunFooter("meta",
                        "Writes RUN_DIR/config.toml, metrics.csv (one row per meta-iteration; test_loss is the held-out\n"
                        "query loss after --inner-steps steps on --eval-tasks tasks) and summary.json.\n"
                        "Meta-testing of a finished run: pmlab eval RUN_DIR --tasks 600 --steps 10.\n"));
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
    AddNumber(t, "--linreg-spread", c.linreg_spread, "Standard deviation of the linreg task weights around their mean")
        ->check(CLI::NonNegativeNumber)->group("Tasks");

    t->add_option("--algo", c.algo, "Meta-gradient: maml (exact, Hessian-vector products), fomaml, reptile, metasgd")
        ->check(CLI::IsMember({"maml", "fomaml", "reptile", "metasgd"}))->group("Meta-gradient");
    AddNumber(t, "--inner-lr", c.inner_lr, "alpha: adaptation step size (metasgd: initial per-parameter value)")
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

  core::MakeProblem Problem(const metalearn::MetaConfig& config) const override { return metalearn::MetaProblem(config); }

 private:
  std::string data_dir_;
  int tasks_ = 600;
  int steps_ = -1;
};

}  // namespace

PMLAB_REGISTER_RUN_KIND(MetaKind);

}  // namespace pmlab::runners
