// `pmlab meta`: meta-learning with biased meta-gradients, as a run kind.
#include <cereal/archives/json.hpp>
#include <cereal/types/vector.hpp>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <span>
#include <sstream>

#include "core/opt/exact_number.h"
#include "core/opt/flag_context.h"
#include "core/run/run_directory.h"
#include "envs/image_file.h"
#include "envs/registry.h"
#include "rl/estimator.h"
#include "metalearn/meta_experiment.h"
#include "metarl/meta_policy_experiment.h"
#include "runners/rl_command.h"
#include "runners/typed_run_kind.h"

namespace pmlab::runners {
namespace {

class MetaKind final : public TypedRunKind<metalearn::MetaConfig> {
 public:
  MetaKind() : TypedRunKind({2, "meta"}) {}

  void AddEvalFlags(EvalFlags& flags) override {
    data_dir_.clear();
    tasks_.reset();
    steps_.reset();
    adapt_lr_.clear();
    adapt_episodes_ = 0;
    against_.clear();
    render_.reset();
    flags.Add("--data-dir", data_dir_, "Read the data from here instead of the run's --data-dir", "Runs that read data (train, meta)");
    flags.Add("--tasks", tasks_, "Held-out tasks to adapt to (default 600; RL tasks 40, as MAML's 2-D navigation)", "Meta runs");
    flags.Add("--steps", steps_, "Report the query loss after 0..STEPS adaptation steps (default: the run's --inner-steps)", "Meta runs");
    flags.Add("--adapt-lr", adapt_lr_,
              "RL tasks: adaptation step size, or one per step, e.g. 0.5,0.25 (the last repeats; default: the run's --inner-lr)",
              "Meta runs");
    flags.Add("--adapt-episodes", adapt_episodes_, "RL tasks: episodes per adaptation step (default: the run's --inner-episodes)",
              "Meta runs");
    flags.Add("--against", against_,
              "RL tasks: also adapt from these starting points, comma-separated: random (the run's initialisation), the folder "
              "of a pmlab rl run trained across the family (--env PointNav: multi-task pretraining), or of another meta run on "
              "the same family (e.g. --inner-steps 0)",
              "Meta runs");
    flags.Add("--render", render_,
              "Write GIFs into this folder: RL runs, each episode; meta runs on RL tasks, one episode of each held-out task "
              "before and after each adaptation step",
              "RL runs");
  }

  int Evaluate(const EvalRequest& e, const core::RunCheckpoint& ck, const std::filesystem::path& checkpoint) override {
    core::Require(!render_ || !render_->empty(), "--render: needs a folder to write the GIFs into");
    core::Require(!tasks_ || (*tasks_ >= 1 && *tasks_ <= 1000000), "--tasks: must be from 1 to 1000000");
    core::Require(!steps_ || (*steps_ >= 0 && *steps_ <= 100000), "--steps: must be from 0 to 100000");
    metalearn::MetaConfig config = Parse(ck.config_toml);
    if (!data_dir_.empty()) config.data_dir = data_dir_;
    const int steps = steps_.value_or(config.inner_steps);
    if (!rl::MetaPolicyFamily(config.task).empty()) return EvaluatePolicies(e, config, ck, checkpoint, steps, tasks_.value_or(40));
    core::Require(adapt_lr_.empty() && adapt_episodes_ == 0 && against_.empty() && !render_,
                  "--adapt-lr, --adapt-episodes, --against and --render are for meta runs on RL tasks; " + config.task + " is supervised");
    const int tasks = tasks_.value_or(600);
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
                        "Meta-testing of a finished run: pmlab eval RUN_DIR --tasks 600 --steps 10; on RL tasks also\n"
                        "--adapt-lr, --adapt-episodes, --against random,OTHER_RUN and --render DIR (pmlab eval --help).\n",
                        {&metalearn::TaskFamilies(), &envs::EnvFamilies(), &rl::Estimators()}));
    t->configurable();

    t->add_option("--task", c.task,
                  "Task family: sine (Finn et al.), linreg (closed-form MAML), fmnist-fewshot (N-way K-shot); RL: pointnav "
                  "(MAML's 2-D navigation), lunar-gravity, cartpole, walker-velocity (BipedalWalker at a target speed), or any "
                  "registered env family (both lists below)")
        ->group("Tasks");
    t->add_option("--shots", c.shots, "K: support points per task (per class for fmnist-fewshot)")->check(CLI::Range(1, 100000))->group("Tasks");
    t->add_option("--query", c.query, "Query points per task (per class for fmnist-fewshot)")->check(CLI::Range(1, 100000))->group("Tasks");
    t->add_option("--ways", c.ways, "N: classes per fmnist-fewshot task")->check(CLI::Range(2, 256))->group("Tasks");
    t->add_option("--test-classes", c.test_classes, "fmnist-fewshot: classes held out for meta-testing, e.g. 7,8,9 (none = all classes)")
        ->group("Tasks");
    t->add_option("--data-dir", c.data_dir, "Folder with the Fashion-MNIST IDX files (fmnist-fewshot)")->group("Tasks");
    t->add_option("--linreg-dim", c.linreg_dim, "Features p of the linreg tasks")->check(CLI::Range(1, 100000))->group("Tasks");
    AddNumber(t, "--linreg-spread", c.linreg_spread, "Standard deviation of the linreg task weights around their mean")
        ->check(kNonNegative)->group("Tasks");

    t->add_option("--algo", c.algo,
                  "Meta-gradient: maml (exact, Hessian-vector products), fomaml, reptile, metasgd; RL tasks: maml-pg (MAML-RL's, "
                  "biased), maml-pg-dice (with the inner sampling's score term: unbiased), promp (ProMP's low-variance curvature: "
                  "biased), fomaml-pg, reptile")
        ->check(CLI::IsMember({"maml", "fomaml", "reptile", "metasgd", "maml-pg", "maml-pg-dice", "promp", "fomaml-pg"}))
        ->group("Meta-gradient");
    t->add_option("--dice-baseline", c.dice_baseline,
                  "RL tasks, maml-pg-dice: mean (the exact score term, less the last mean adapted return) or loaded (Loaded DiCE's "
                  "Hessian with the advantages' baselines: biased by O(alpha^2), far less variance)")
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
    t->add_option("--estimator", c.estimator, "RL tasks: a registered estimator (listed below), for every batch")
        ->check(Registered(rl::Estimators()))->group("Meta-RL");
    AddNumber(t, "--gae-lambda", c.gae_lambda, "RL tasks: lambda of gae, in [0, 1]")->group("Meta-RL");
    t->add_option("--baseline", c.baseline, "RL tasks: none, mean, or value (linear, fitted to each batch's returns)")->group("Meta-RL");
    t->add_option("--gradient-mean", c.gradient_mean,
                  "RL tasks: a batch's sum over its steps divided by its episodes (episode) or its steps (step, MAML-RL's)")
        ->group("Meta-RL");
    AddSwitch(t, "--normalize-advantages", c.normalize_advantages, "RL tasks: centre and scale each batch's advantages")->group("Meta-RL");
    t->add_option("--action-dist", c.action_dist, "RL tasks: auto (from the action space), categorical or gaussian")->group("Meta-RL");
    AddNumber(t, "--init-log-std", c.init_log_std, "RL tasks: Gaussian policies' starting log standard deviation")->group("Meta-RL");
    t->add_option("--activation", c.activation, "RL tasks: the policy's hidden layers, tanh or relu (MAML-RL's)")->group("Meta-RL");
    t->add_option("--init-from", c.init_from,
                  "RL tasks: start from the policy of this run folder or checkpoint: a pmlab rl run on an environment with the "
                  "family's observations and actions (the family itself: pretraining) or a meta run on the family; a folder "
                  "means its newest checkpoint, which config.toml records; none = the --seed's random initialisation")
        ->group("Meta-RL");

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

  void CheckConfig(const metalearn::MetaConfig& config) const override {
    if (rl::MetaPolicyFamily(config.task).empty()) return metalearn::CheckMetaConfig(config);
    rl::CheckMetaPolicyConfig(config);
    if (config.init_from != "none") (void)StartFrom(config, config.init_from, rl::PolicySource::kSameSpaces, "--init-from");
  }
  // A folder names its newest checkpoint when the run starts; config.toml records that file, so
  // that the run repeats after the other run has gone on.
  void Resolve(CLI::App& /*command*/, metalearn::MetaConfig& config, bool /*config_file*/) const override {
    if (config.init_from == "none") return;
    try {
      config.init_from = core::ResolveCheckpoint(config.init_from).string();
    } catch (const std::exception& error) {
      throw std::invalid_argument(std::string("--init-from: ") + error.what());
    }
  }
  core::MakeProblem StartProblem(const metalearn::MetaConfig& config) const override {
    core::MakeProblem make = Problem(config);
    if (config.init_from == "none" || rl::MetaPolicyFamily(config.task).empty()) return make;
    rl::StartingPoint start = StartFrom(config, config.init_from, rl::PolicySource::kSameSpaces, "--init-from");
    return [make, start = std::move(start)](core::WorkerPool& pool) {
      core::RunProblem p = make(pool);
      p.x0 = start.x;
      p.description += ", from " + start.name + " (iteration " + std::to_string(start.iteration) + ")";
      return p;
    };
  }
  core::MakeProblem Problem(const metalearn::MetaConfig& config) const override {
    if (!rl::MetaPolicyFamily(config.task).empty()) return rl::MetaPolicyProblem(config);
    return metalearn::MetaProblem(config);
  }

 private:
  // Meta-testing on an RL task: returns before and after each adaptation step, from the run's
  // parameters and from every --against starting point, on the same held-out tasks.
  int EvaluatePolicies(const EvalRequest& e, const metalearn::MetaConfig& config, const core::RunCheckpoint& ck,
                       const std::filesystem::path& checkpoint, int steps, int tasks) {
    std::vector<double> lr;
    for (const std::string& item : SplitList(adapt_lr_)) {
      const auto v = core::ParseNumber(item);
      core::Require(v.has_value(), "--adapt-lr: '" + item + "' is not a number");
      lr.push_back(*v);
    }
    const rl::MetaPolicyTest test(config, ck, {tasks, steps, lr, adapt_episodes_});
    std::vector<rl::StartingPoint> starts{test.Trained()};
    for (const std::string& name : SplitList(against_)) {
      if (name == "random") {
        starts.push_back(test.Initial());
        continue;
      }
      starts.push_back(StartFrom(config, name, rl::PolicySource::kSameFamily, "--against"));
    }
    std::vector<rl::AdaptationTable> tables;
    for (const rl::StartingPoint& start : starts) {
      std::vector<rl::AdaptedTask> adapted;
      tables.push_back(test.Evaluate(start, !render_ ? nullptr : &adapted));
      if (render_) Render(test, start, adapted, config.seed);
    }
    // The same tasks and draws for every start: their difference, task by task, is far tighter
    // than either mean's interval.
    std::vector<rl::AdaptationTable> differences;
    for (std::size_t i = 1; i < tables.size(); ++i) differences.emplace_back(tables[0].returns - tables[i].returns);
    if (e.json) {
      {
        cereal::JSONOutputArchive ar(std::cout);
        ar(cereal::make_nvp("checkpoint", checkpoint.string()), cereal::make_nvp("iteration", starts[0].iteration),
           cereal::make_nvp("task", config.task), cereal::make_nvp("algo", config.algo), cereal::make_nvp("tasks", tasks),
           cereal::make_nvp("step_sizes", test.step_sizes()), cereal::make_nvp("adapt_episodes", test.episodes()),
           cereal::make_nvp("horizon", test.horizon()), cereal::make_nvp("return", tables[0].mean),
           cereal::make_nvp("return_ci95", tables[0].ci95));
        ar.setNextName("against");
        ar.startNode();
        ar.makeArray();
        for (std::size_t i = 1; i < starts.size(); ++i) {
          ar.startNode();
          ar(cereal::make_nvp("start", starts[i].name), cereal::make_nvp("iteration", starts[i].iteration),
             cereal::make_nvp("return", tables[i].mean), cereal::make_nvp("return_ci95", tables[i].ci95),
             cereal::make_nvp("difference", differences[i - 1].mean), cereal::make_nvp("difference_ci95", differences[i - 1].ci95));
          ar.finishNode();
        }
        ar.finishNode();
      }
      std::cout << "\n";
      return 0;
    }
    std::string sizes;
    for (const double lr : test.step_sizes()) sizes += (sizes.empty() ? "" : ", ") + core::FormatNumber(lr);
    std::printf("%s after %lld meta-iterations (%s): %d held-out tasks, %d episodes of horizon %d per step, step sizes [%s]\n",
                config.task.c_str(), static_cast<long long>(starts[0].iteration), config.algo.c_str(), tasks, test.episodes(),
                test.horizon(), sizes.c_str());
    PrintTable("mean return over the tasks before each adaptation step", starts, tables);
    if (!differences.empty())
      PrintTable("meta-trained minus each, paired over the tasks", std::span(starts).subspan(1), differences);
    if (render_) std::printf("GIFs in %s/\n", render_->c_str());
    return 0;
  }

  // One column per starting point, one row per number of steps.
  static void PrintTable(const char* title, std::span<const rl::StartingPoint> starts, const std::vector<rl::AdaptationTable>& tables) {
    std::printf("%s, +- its 95%% half-width\n%5s", title, "steps");
    for (const rl::StartingPoint& start : starts) std::printf("  %22s", Abbreviate(start.name, 22).c_str());
    std::printf("\n");
    for (std::size_t j = 0; j < tables[0].mean.size(); ++j) {
      std::printf("%5zu", j);
      for (const rl::AdaptationTable& t : tables) std::printf("  %12.2f +- %6.2f", t.mean[j], t.ci95[j]);
      std::printf("\n");
    }
  }

  // The parameters of the meta or rl run `name` (its folder's newest checkpoint, or a checkpoint
  // file) as a starting point for runs of `mine`; anything else is a usage error of `flag`.
  rl::StartingPoint StartFrom(const metalearn::MetaConfig& mine, const std::string& name, rl::PolicySource source,
                              const std::string& flag) const {
    core::RunCheckpoint theirs;
    std::optional<rl::TrainedPolicy> policy;
    try {
      core::CheckpointFile file = core::CheckpointFile::Open(core::ResolveCheckpoint(name));
      theirs = core::LoadRunCheckpoint(file);
      if (file.kind() != info().id) {
        policy = RlTrainedPolicy(file.kind(), theirs);
        core::Require(policy.has_value(), "'" + name + "' is a " + RunKindName(file.kind()) + " run, not a meta or rl run");
      }
    } catch (const std::exception& error) {
      throw std::invalid_argument(flag + ": " + error.what());
    }
    if (policy) return rl::PretrainedStart(mine, name, *policy, source, flag);
    return rl::OtherRunStart(mine, name, Parse(theirs.config_toml), theirs, flag);
  }

  // GIFs named by starting point, task, step and return.
  void Render(const rl::MetaPolicyTest& test, const rl::StartingPoint& start, const std::vector<rl::AdaptedTask>& adapted,
              std::uint64_t seed) const {
    const std::filesystem::path dir = *render_;
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) throw std::runtime_error("--render: cannot create the folder '" + *render_ + "': " + error.message());
    std::string prefix = start.name == "meta-trained" ? std::string() : start.name + "_";
    for (char& ch : prefix)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') ch = '-';
    test.Render(adapted, seed, [&](std::size_t k, std::size_t j, const rl::EpisodeOutcome& outcome, const std::vector<envs::Canvas>& frames) {
      char name[160];
      std::snprintf(name, sizeof name, "%stask-%02zu_step-%zu_return_%.1f.gif", prefix.c_str(), k, j, outcome.total_reward);
      envs::WriteGif(dir / name, frames);
    });
  }

  static std::string Abbreviate(const std::string& text, std::size_t width) {
    return text.size() <= width ? text : "..." + text.substr(text.size() - (width - 3));
  }

  std::string data_dir_;
  std::optional<int> tasks_;  // unset: the default of the task kind
  std::optional<int> steps_;  // unset: the run's --inner-steps
  std::string adapt_lr_;    // empty: the run's
  int adapt_episodes_ = 0;  // 0: the run's
  std::string against_;
  std::optional<std::string> render_;  // unset: no GIFs
};

}  // namespace

PMLAB_REGISTER_RUN_KIND(MetaKind);

}  // namespace pmlab::runners
