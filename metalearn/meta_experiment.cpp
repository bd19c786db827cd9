#include "metalearn/meta_experiment.h"

#include "supervised/data_fingerprint.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "core/opt/flag_context.h"
#include "metalearn/bias_measurement.h"
#include "metalearn/fewshot_image_tasks.h"
#include "metalearn/linear_regression_tasks.h"
#include "metalearn/meta_oracle.h"
#include "metalearn/sine_tasks.h"

namespace pmlab::metalearn {
namespace {

void Validate(const MetaConfig& c) {
  const std::string name = ParseSpec(c.task).first;
  core::Require(TaskFamilies().Has(name), "--task: '" + name + "' is unknown (task families: " + TaskFamilies().Names() +
                                               "; RL: pointnav, lunar-gravity, cartpole, walker-velocity or an env family of pmlab envs --families)");
  core::Within("--task", [&] { TaskFamilies().Check(c.task); });
  const MetaAlgorithm algo = core::Within("--algo", [&] { return ParseMetaAlgorithm(c.algo); });
  core::Require(c.dice_baseline == "mean", "--dice-baseline: only the RL estimator maml-pg-dice has one");
  core::Require(c.init_from == "none", "--init-from: only meta runs on RL tasks start from another run's policy");
  core::Require(c.shots >= 1, "--shots: must be at least 1 (K support points per task)");
  core::Require(c.query >= 1, "--query: must be at least 1");
  core::Require(c.inner_batch >= 0, "--inner-batch: must be >= 0 (0 = --shots)");
  core::Require(c.hessian_batch >= 0, "--hessian-batch: must be >= 0 (0 = the inner batch)");
  core::Require(c.hessian_batch == 0 || algo == MetaAlgorithm::kMaml || algo == MetaAlgorithm::kMetaSgd,
        "--hessian-batch: only maml and metasgd use Hessian terms");
  core::Require(c.inner_lr > 0 && std::isfinite(c.inner_lr), "--inner-lr: must be a finite number > 0");
  core::Require(c.inner_steps >= 0, "--inner-steps: must be >= 0");
  core::Require(c.inner_steps >= 1 || algo != MetaAlgorithm::kReptile, "--inner-steps: reptile needs at least 1 (its direction is x - phi_N)");
  core::Require(c.meta_batch >= 1, "--meta-batch: must be at least 1");
  core::Require(c.workers >= 1 && c.meta_batch % c.workers == 0,
        "--meta-batch: " + std::to_string(c.meta_batch) + " tasks do not split evenly over " + std::to_string(c.workers) +
            " workers; use a multiple of --workers");
  core::Require(c.eval_tasks >= 1, "--eval-tasks: must be at least 1");
  core::Require(c.measure_bias_every >= 0, "--measure-bias-every: must be >= 0 (0 = never)");
  core::Require(c.bias_reference_tasks >= 2, "--bias-reference-tasks: must be at least 2");
  core::Require(c.bias_reference_points >= 1, "--bias-reference-points: must be at least 1");
  core::Require(c.task == "fmnist-fewshot" || c.test_classes == "none", "--test-classes: only fmnist-fewshot has classes to hold out");
}

// The task families of a run and the model over them.
struct Setup {
  std::shared_ptr<const TaskFamily> train, held_out;
  MetaModel model;
  core::DataFingerprint data;
  std::string description;
};

TaskFamilySetup SineFamily(const MetaConfig&, TaskSizes train, TaskSizes test) {
  return {std::make_shared<SineTasks>(train), std::make_shared<SineTasks>(test), "40,40", "sine regression (Finn et al. 2017)", {}};
}

TaskFamilySetup LinearRegressionFamily(const MetaConfig& c, TaskSizes train, TaskSizes test) {
  core::Require(c.linreg_dim >= 1, "--linreg-dim: must be at least 1");
  core::Require(c.linreg_spread >= 0 && std::isfinite(c.linreg_spread), "--linreg-spread: must be a finite number >= 0");
  const LinearRegressionOptions o{c.linreg_dim, c.linreg_spread, 0.0};
  return {std::make_shared<LinearRegressionTasks>(o, train, c.seed), std::make_shared<LinearRegressionTasks>(o, test, c.seed), "none",
          "linear-regression tasks, p = " + std::to_string(c.linreg_dim), {}};
}

TaskFamilySetup FewShotFamily(const MetaConfig& c, TaskSizes train_sizes, TaskSizes test_sizes) {
  auto train = std::make_shared<const core::ImageDataset>(core::LoadMnistSplit(c.data_dir, "train"));
  auto test = std::make_shared<const core::ImageDataset>(core::LoadMnistSplit(c.data_dir, "t10k"));
  if (test->features() != train->features())
    throw std::runtime_error("the test images in '" + c.data_dir + "' do not match the training images");
  std::vector<int> held = c.test_classes == "none" ? std::vector<int>{}
                                                   : core::Within("--test-classes", [&] { return ParseClassList(c.test_classes); });
  std::vector<int> train_classes, test_classes = held;
  for (int k = 0; k < train->classes; ++k)
    if (std::find(held.begin(), held.end(), k) == held.end()) train_classes.push_back(k);
  if (held.empty()) test_classes = train_classes;
  for (int k : held)
    core::Require(k < train->classes, "--test-classes: class " + std::to_string(k) + " does not occur in the data (classes 0 to " +
                                          std::to_string(train->classes - 1) + ")");
  TaskFamilySetup s;
  s.train = core::Within("meta-training classes", [&] { return std::make_shared<FewShotImageTasks>(train, train_classes, c.ways, train_sizes); });
  s.held_out = core::Within("meta-test classes", [&] { return std::make_shared<FewShotImageTasks>(test, test_classes, c.ways, test_sizes); });
  s.data = supervised::FingerprintOf(*train);
  s.default_hidden = "128,128";
  std::ostringstream what;
  what << "Fashion-MNIST " << c.ways << "-way " << c.shots << "-shot (" << train_classes.size() << " training classes, "
       << test_classes.size() << " test classes)";
  s.description = what.str();
  return s;
}

PMLAB_REGISTER(TaskFamilies(), "sine", "sine regression, amplitude and phase drawn per task (Finn et al. 2017)",
               [](Spec&) { return SineFamily; });
PMLAB_REGISTER(TaskFamilies(), "linreg", "linear regression, where exact MAML has a closed form (--linreg-dim, --linreg-spread)",
               [](Spec&) { return LinearRegressionFamily; });
PMLAB_REGISTER(TaskFamilies(), "fmnist-fewshot", "N-way K-shot Fashion-MNIST classification (--ways, --test-classes, --data-dir)",
               [](Spec&) { return FewShotFamily; });

Setup Build(const MetaConfig& c) {
  Validate(c);
  const TaskSizes train_sizes{c.inner_batch > 0 ? c.inner_batch : c.shots, c.query, c.hessian_batch};
  const TaskSizes test_sizes{c.shots, c.query, 0};
  TaskFamilySetup families = core::Within("--task", [&] { return TaskFamilies().Bind(c.task); })(c, train_sizes, test_sizes);
  Setup s{std::move(families.train), std::move(families.held_out), {}, families.data, {}};
  const std::string hidden = c.hidden == "auto" ? families.default_hidden : c.hidden;
  std::ostringstream what;
  what << families.description;
  const std::vector<int> widths = core::Within("--hidden", [&] { return core::ParseHiddenWidths(hidden); });
  s.model.shape.widths = {s.train->Inputs()};
  s.model.shape.widths.insert(s.model.shape.widths.end(), widths.begin(), widths.end());
  s.model.shape.widths.push_back(s.train->Outputs());
  s.model.head = s.train->Head();
  s.model.inner = {c.inner_lr, c.inner_steps};
  s.model.algorithm = ParseMetaAlgorithm(c.algo);
  what << ", MLP " << s.model.shape.ToString() << " (" << MetaGradient<float>::Dimension(s.model.shape, s.model.algorithm)
       << " meta-parameters), " << c.algo << " with " << c.inner_steps << " inner step(s) of " << c.inner_lr << ", meta-batch "
       << c.meta_batch << " = " << c.workers << " workers x " << c.meta_batch / c.workers << " tasks, " << c.shots << " shots";
  if (c.inner_batch > 0) what << " (inner batch " << c.inner_batch << ")";
  if (c.hessian_batch > 0) what << " (Hessian batch " << c.hessian_batch << ")";
  what << ", " << c.query << " query";
  s.description = what.str();
  return s;
}

// The run's problem over families already built.
core::RunProblem ProblemOf(const MetaConfig& c, const Setup& s, core::WorkerPool& pool) {
  core::RunProblem p;
  p.oracle = std::make_unique<MetaOracle>(s.train, s.model.shape, s.model.inner, s.model.algorithm, c.meta_batch / c.workers);
  core::Rng init(c.seed, core::StreamKind::kInit);
  p.x0 = MetaGradient<float>::Initial(s.model.shape, s.model.algorithm, c.inner_lr, init);
  // The held-out figure during training: query loss after the configured inner steps.
  p.evaluate = [held_out = s.held_out, model = s.model, c, &pool](const core::Vector& x) {
    const HeldOutCurve curve = EvaluateHeldOut(*held_out, model, x, c.eval_tasks, c.inner_steps, c.seed, pool);
    core::Evaluation e{curve.loss.back(), std::nullopt};
    if (!curve.accuracy.empty()) e.accuracy = curve.accuracy.back();
    return e;
  };
  if (c.measure_bias_every > 0) {
    p.extra_columns = {"bias", "bias_mc_error"};
    p.extra_cells = [train = s.train, model = s.model, c, &pool](std::int64_t k, const core::Vector& x,
                                                                  std::vector<core::MetricsWriter::Cell>& cells) {
      if (k % c.measure_bias_every != 0) return;
      const core::BiasEstimate b = MeasureBias(*train, model, x, c.bias_reference_tasks, c.bias_reference_points, c.seed, k, pool);
      cells.push_back(b.relative_bias);
      cells.push_back(b.monte_carlo);
    };
  }
  p.name = c.task;
  p.description = s.description;
  p.data = s.data;
  return p;
}

}  // namespace

TaskFamilyRegistry& TaskFamilies() {
  static TaskFamilyRegistry registry("task-family", "Meta-learning task families", "meta --task");
  return registry;
}

void CheckMetaConfig(const MetaConfig& c) { Validate(c); }

core::MakeProblem MetaProblem(const MetaConfig& c) {
  Validate(c);  // usage errors before any data is read
  return [c](core::WorkerPool& pool) { return ProblemOf(c, Build(c), pool); };
}

MetaTestResult MetaTestCheckpoint(const MetaConfig& c, const core::RunCheckpoint& checkpoint, int tasks, int steps) {
  // One build of the families (and one read of the data) serves the checkpoint's check and the test.
  const Setup s = Build(c);
  const core::RestoredRun run = core::RestoreRun(c, checkpoint, [&](core::WorkerPool& pool) { return ProblemOf(c, s, pool); });
  return {run.iteration, EvaluateHeldOut(*s.held_out, s.model, run.x, tasks, steps, c.seed, *run.pool)};
}

}  // namespace pmlab::metalearn
