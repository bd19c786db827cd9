#pragma once
// `pmlab meta`: meta-learning with biased meta-gradients through the same worker pool,
// gradient transforms and momentum server as `train`. Each logical worker draws its share of
// the meta-batch from its own stream and sends the mean of its tasks' meta-gradients. Builds
// the problem from a plain config; core/run_session runs it and writes the run folder.
#include <cstdint>
#include <memory>
#include <string>

#include "core/nn/image_dataset.h"
#include "core/registry/registry.h"
#include "core/run/run_session.h"
#include "metalearn/meta_evaluation.h"
#include "metalearn/task_family.h"

namespace pmlab::metalearn {

/// Every option of a meta run. Field names are the command-line flags with '-' written as '_'.
struct MetaConfig : core::RunOptions {
  MetaConfig() {
    workers = 5;
    iters = 20000;
    momentum.lr = 0.03;  // measured on sine (K = 10, MAML, one step): 0.445 after 20,000 iterations
    eval_every = 1000;
    checkpoint_every = 1000;
  }
  std::string task = "sine";          ///< sine | linreg | fmnist-fewshot | pointnav | lunar-gravity | cartpole | a family spec
  std::string algo = "maml";          ///< maml | fomaml | reptile | metasgd; on RL tasks maml-pg | maml-pg-dice | promp | fomaml-pg | reptile
  std::string dice_baseline = "mean"; ///< maml-pg-dice: mean | loaded
  int shots = 10;                     ///< K: support points per task (per class for fmnist-fewshot)
  int query = 10;                     ///< query points per task (per class for fmnist-fewshot)
  int inner_batch = 0;                ///< points for the inner gradient in training; 0 = shots
  int hessian_batch = 0;              ///< separate sample for the Hessian terms; 0 = the inner batch
  double inner_lr = 0.01;             ///< alpha, the adaptation step size (Meta-SGD: its initial value)
  int inner_steps = 1;                ///< N adaptation steps
  int meta_batch = 25;                ///< tasks per iteration, split evenly over the workers
  std::string hidden = "auto";        ///< hidden widths; auto = 40,40 (sine), none (linreg), 128,128 (fmnist-fewshot), 100,100 (RL tasks)
  int linreg_dim = 5;                 ///< features of the linreg tasks
  double linreg_spread = 1.0;         ///< spread of the linreg task weights around their mean
  int ways = 5;                       ///< N: classes per fmnist-fewshot task
  std::string test_classes = "none";  ///< classes held out for meta-testing (fmnist-fewshot), e.g. 7,8,9
  std::string data_dir = core::kFashionMnistDir;  ///< folder with the Fashion-MNIST IDX files (fmnist-fewshot)
  int eval_tasks = 100;               ///< held-out tasks in each periodic evaluation
  std::int64_t measure_bias_every = 0;   ///< log the estimator's relative bias every N iterations; 0 = never
  int bias_reference_tasks = 1000;    ///< tasks in each bias measurement
  int bias_reference_points = 1000;   ///< points per reference set (sine, fmnist-fewshot; linreg is exact)
  // Meta-RL tasks only (pointnav, lunar-gravity, cartpole, walker-velocity, or a task family spec):
  int horizon = 0;                    ///< H: steps per episode at most; 0 = the environment's time limit
  int inner_episodes = 20;            ///< E: episodes of each inner and outer batch
  double discount = 0.99;             ///< gamma of the MDP
  std::string estimator = "gae";      ///< reinforce | gpomdp | gae, for every batch
  double gae_lambda = 1.0;            ///< with the value baseline: MAML-RL's advantages
  std::string baseline = "value";     ///< none | mean | value (linear, fitted to each batch)
  std::string gradient_mean = "step"; ///< episode | step: a batch's sum divided by its episodes or its steps (MAML-RL's)
  bool normalize_advantages = true;   ///< centre and scale each batch's advantages (MAML-RL's)
  std::string action_dist = "auto";   ///< auto | categorical | gaussian
  double init_log_std = 0;            ///< Gaussian policies' starting log standard deviation
  std::string activation = "tanh";    ///< the policy's hidden layers: tanh or relu (RL tasks)
  std::string init_from = "none";     ///< a meta or rl run's checkpoint to start from; none = the seed's initialisation
};

/// What a task family gives a meta run: the families meta-training samples and meta-testing
/// adapts to (the same distribution, or disjoint classes), and what the log needs.
struct TaskFamilySetup {
  std::shared_ptr<const TaskFamily> train;     ///< what meta-training samples
  std::shared_ptr<const TaskFamily> held_out;  ///< what meta-testing adapts to
  std::string default_hidden;  ///< --hidden auto: the hidden widths of the paper that used it
  std::string description;     ///< one line for the progress log
  core::DataFingerprint data;  ///< the data files read, if any
};

/// The task families of `pmlab meta --task`, by name: sine, linreg, fmnist-fewshot, and
/// whatever a program registers. A builder gets the whole config and the task sizes of
/// meta-training (its support may be --inner-batch) and of meta-testing. Meta-RL tasks are
/// the environment families of envs/registry.h instead.
using TaskFamilyRegistry = Registry<TaskFamilySetup(const MetaConfig& config, TaskSizes train, TaskSizes test)>;
TaskFamilyRegistry& TaskFamilies();

/// The problem of `config` (throws std::invalid_argument for bad options).
core::MakeProblem MetaProblem(const MetaConfig& config);
/// The checks MetaProblem makes of `config` before it reads anything (std::invalid_argument).
void CheckMetaConfig(const MetaConfig& config);

/// Meta-testing of a checkpoint.
struct MetaTestResult {
  std::int64_t iteration = 0;  ///< of the checkpoint tested
  HeldOutCurve curve;  ///< the held-out curve
};

/// Meta-testing of a checkpoint of a run with `config` (checked against the config and the data
/// found now): the held-out curve over 0..steps adaptation steps on `tasks` tasks.
MetaTestResult MetaTestCheckpoint(const MetaConfig& config, const core::RunCheckpoint& checkpoint, int tasks, int steps);

}  // namespace pmlab::metalearn
