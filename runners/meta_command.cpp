// `pmlab meta`: meta-learning with biased meta-gradients, as a run kind.
#include <cereal/archives/json.hpp>
#include <cereal/types/vector.hpp>

#include <cstdio>
#include <iostream>

#include "core/opt/flag_context.h"
#include "metalearn/meta_experiment.h"
#include "metarl/meta_policy_experiment.h"
#include "runners/typed_run_kind.h"

namespace pmlab::runners {
namespace {

class MetaKind final : public TypedRunKind<metalearn::MetaConfig> {
 public:
  MetaKind() : TypedRunKind({2, "meta"}) {}

  void AddEvalFlags(EvalFlags& flags) override {
    data_dir_.clear();
    tasks_ = -1;
    steps_ = -1;
    flags.Add("--data-dir", data_dir_, "Read the data from here instead of the run's --data-dir", "Runs that read data (train, meta)");
    flags.Add("--tasks", tasks_, "Held-out tasks to adapt to (default 600; RL tasks 40, as MAML's 2-D navigation)", "Meta runs");
    flags.Add("--steps", steps_, "Report the query loss after 0..STEPS adaptation steps (default: the run's --inner-steps)", "Meta runs");
  }

  int Evaluate(const EvalRequest& e, const core::RunCheckpoint& ck, const std::filesystem::path& checkpoint) override {
    core::Require(tasks_ == -1 || tasks_ >= 1, "--tasks: must be at least 1");
    core::Require(steps_ >= -1 && steps_ <= 100000, "--steps: must be from 0 to 100000");
    metalearn::MetaConfig config = Parse(ck.config_toml);
    if (!data_dir_.empty()) config.data_dir = data_dir_;
    const int steps = steps_ >= 0 ? steps_ : config.inner_steps;
    if (!rl::MetaPolicyFamily(config.task).empty()) return EvaluatePolicies(e, config, ck, checkpoint, steps, tasks_ > 0 ? tasks_ : 40);
    const int tasks = tasks_ > 0 ? tasks_ : 600;
    const metalearn::MetaTestResult run = metalearn::MetaTestCheckpoint(config, ck, tasks, steps);
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

    t->add_option("--task", c.task,
                  "Task family: sine (Finn et al.), linreg (closed-form MAML), fmnist-fewshot (N-way K-shot); RL: pointnav "
                  "(MAML's 2-D navigation), lunar-gravity, cartpole, or any family spec of pmlab envs --families")
        ->group("Tasks");
    t->add_option("--shots", c.shots, "K: support points per task (per class for fmnist-fewshot)")->check(CLI::Range(1, 100000))->group("Tasks");
    t->add_option("--query", c.query, "Query points per task (per class for fmnist-fewshot)")->check(CLI::Range(1, 100000))->group("Tasks");
    t->add_option("--ways", c.ways, "N: classes per fmnist-fewshot task")->check(CLI::Range(2, 256))->group("Tasks");
    t->add_option("--test-classes", c.test_classes, "fmnist-fewshot: classes held out for meta-testing, e.g. 7,8,9 (none = all classes)")
        ->group("Tasks");
    t->add_option("--data-dir", c.data_dir, "Folder with the Fashion-MNIST IDX files (fmnist-fewshot)")->group("Tasks");
    t->add_option("--linreg-dim", c.linreg_dim, "Features p of the linreg tasks")->check(CLI::Range(1, 100000))->group("Tasks");
    AddNumber(t, "--linreg-spread", c.linreg_spread, "Standard deviation of the linreg task weights around their mean")
        ->check(CLI::NonNegativeNumber)->group("Tasks");

    t->add_option("--algo", c.algo,
                  "Meta-gradient: maml (exact, Hessian-vector products), fomaml, reptile, metasgd; RL tasks: maml-pg (MAML-RL's, "
                  "biased), maml-pg-dice (with the inner sampling's score term: unbiased), fomaml-pg, reptile")
        ->check(CLI::IsMember({"maml", "fomaml", "reptile", "metasgd", "maml-pg", "maml-pg-dice", "fomaml-pg"}))
        ->group("Meta-gradient");
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

    t->add_option("--horizon", c.horizon, "RL tasks: H, steps per episode at most (0 = the environment's time limit)")
        ->check(CLI::Range(0, 100000000))->group("Meta-RL");
    t->add_option("--inner-episodes", c.inner_episodes, "RL tasks: E, episodes of each inner and outer batch")
        ->check(CLI::Range(1, 1 << 20))->group("Meta-RL");
    AddNumber(t, "--discount", c.discount, "RL tasks: gamma of the MDP, in (0, 1]")->group("Meta-RL");
    t->add_option("--estimator", c.estimator, "RL tasks: reinforce, gpomdp or gae, for every batch")->group("Meta-RL");
    AddNumber(t, "--gae-lambda", c.gae_lambda, "RL tasks: lambda of gae, in [0, 1]")->group("Meta-RL");
    t->add_option("--baseline", c.baseline, "RL tasks: none, mean, or value (linear, fitted to each batch's returns)")->group("Meta-RL");
    t->add_option("--gradient-mean", c.gradient_mean,
                  "RL tasks: a batch's sum over its steps divided by its episodes (episode) or its steps (step, MAML-RL's)")
        ->group("Meta-RL");
    AddSwitch(t, "--normalize-advantages", c.normalize_advantages, "RL tasks: centre and scale each batch's advantages")->group("Meta-RL");
    t->add_option("--action-dist", c.action_dist, "RL tasks: auto (from the action space), categorical or gaussian")->group("Meta-RL");
    AddNumber(t, "--init-log-std", c.init_log_std, "RL tasks: Gaussian policies' starting log standard deviation")->group("Meta-RL");

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

  core::MakeProblem Problem(const metalearn::MetaConfig& config) const override {
    if (!rl::MetaPolicyFamily(config.task).empty()) return rl::MetaPolicyProblem(config);
    return metalearn::MetaProblem(config);
  }

 private:
  // Meta-testing on an RL task: returns before and after each adaptation step.
  int EvaluatePolicies(const EvalRequest& e, const metalearn::MetaConfig& config, const core::RunCheckpoint& ck,
                       const std::filesystem::path& checkpoint, int steps, int tasks) {
    std::int64_t iteration = 0;
    const rl::AdaptationTable t = rl::MetaPolicyTestCheckpoint(config, ck, tasks, steps, iteration);
    if (e.json) {
      {
        cereal::JSONOutputArchive ar(std::cout);
        ar(cereal::make_nvp("checkpoint", checkpoint.string()), cereal::make_nvp("iteration", iteration),
           cereal::make_nvp("task", config.task), cereal::make_nvp("algo", config.algo), cereal::make_nvp("tasks", t.tasks),
           cereal::make_nvp("inner_lr", config.inner_lr), cereal::make_nvp("inner_episodes", config.inner_episodes),
           cereal::make_nvp("return", t.mean), cereal::make_nvp("return_ci95", t.ci95));
      }
      std::cout << "\n";
      return 0;
    }
    std::printf("%s after %lld meta-iterations: %d held-out tasks, %d episodes per step, inner lr %g (%s)\n", config.task.c_str(),
                static_cast<long long>(iteration), t.tasks, config.inner_episodes, config.inner_lr, config.algo.c_str());
    std::printf("%5s  %12s  %10s\n", "steps", "return", "ci95");
    for (std::size_t j = 0; j < t.mean.size(); ++j) std::printf("%5zu  %12.4f  %10.4f\n", j, t.mean[j], t.ci95[j]);
    return 0;
  }

  std::string data_dir_;
  int tasks_ = -1;  // -1: the default of the task kind
  int steps_ = -1;
};

}  // namespace

PMLAB_REGISTER_RUN_KIND(MetaKind);

}  // namespace pmlab::runners
