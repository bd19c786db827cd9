#include "metarl/meta_policy_experiment.h"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/opt/flag_context.h"

#include <tbb/enumerable_thread_specific.h>

namespace pmlab::rl {

std::string MetaPolicyFamily(const std::string& task) {
  if (task == "pointnav") return "PointNav";
  if (task == "lunar-gravity") return "LunarLander";
  if (task == "cartpole") return "CartPole";
  // A registered family's name, with or without parameters; whether the parameters are valid
  // is for the problem to say, naming --task.
  const std::string name = task.substr(0, task.find('('));
  for (const envs::EnvFamilyInfo& family : envs::RegisteredEnvFamilies())
    if (family.name == name) return task;
  return {};
}

AdaptationTable EvaluateAdaptation(const MetaPolicyOracle& oracle, const core::Vector& x, int tasks, int steps, std::uint64_t seed,
                                   core::WorkerPool& pool) {
  Eigen::MatrixXd returns(tasks, steps + 1);
  tbb::enumerable_thread_specific<std::unique_ptr<MetaPolicyGradient>> scratch;
  pool.ForEach(tasks, [&](core::Index k) {
    auto& estimator = scratch.local();
    if (!estimator) estimator = std::make_unique<MetaPolicyGradient>(oracle.MakeEstimator());
    core::Rng rng(seed, core::StreamKind::kHeldOut, static_cast<std::uint64_t>(k));
    EnvironmentEpisodes task(oracle.TaskRollouts(oracle.family().SampleTask(rng)));
    Eigen::VectorXd curve(steps + 1);
    estimator->AdaptationCurve(x, task, rng, steps, curve);
    returns.row(k) = curve.transpose();
  });
  AdaptationTable t;
  t.tasks = tasks;
  for (int j = 0; j <= steps; ++j) {
    const Eigen::VectorXd column = returns.col(j);
    const double mean = column.mean();
    const double var = tasks > 1 ? (column.array() - mean).square().sum() / (tasks - 1) : 0.0;
    t.mean.push_back(mean);
    t.ci95.push_back(1.96 * std::sqrt(var / tasks));
  }
  return t;
}

namespace {

MetaPolicyProblemOptions Options(const metalearn::MetaConfig& c) {
  MetaPolicyProblemOptions o;
  o.family = MetaPolicyFamily(c.task);
  core::Require(!o.family.empty(), "--task: '" + c.task + "' is not a task family of an environment");
  core::Within("--task", [&] { return envs::MakeEnvFamily(o.family); });
  core::Require(c.horizon >= 0, "--horizon: must be at least 1 (or 0 for the environment's time limit)");
  core::Require(c.inner_episodes >= 1, "--inner-episodes: must be at least 1");
  core::Require(c.meta_batch % c.workers == 0, "--meta-batch: " + std::to_string(c.meta_batch) + " tasks do not split evenly over " +
                                                   std::to_string(c.workers) + " workers; use a multiple of --workers");
  core::Require(std::isfinite(c.init_log_std) && std::abs(c.init_log_std) <= 20, "--init-log-std: must be within [-20, 20]");
  o.horizon = c.horizon;
  o.episodes = c.inner_episodes;
  o.tasks_per_worker = c.meta_batch / c.workers;
  o.policy.distribution = c.action_dist;
  o.policy.hidden = core::Within("--hidden", [&] { return core::ParseHiddenWidths(c.hidden == "auto" ? "100,100" : c.hidden); });
  o.policy.initial_log_std = c.init_log_std;
  o.meta.algorithm = core::Within("--algo", [&] { return ParseMetaPolicyAlgorithm(c.algo); });
  o.meta.inner_lr = c.inner_lr;
  o.meta.inner_steps = c.inner_steps;
  o.meta.estimator.estimator = core::Within("--estimator", [&] { return ParseEstimator(c.estimator); });
  o.meta.estimator.baseline = core::Within("--baseline", [&] { return ParseBaseline(c.baseline); });
  o.meta.estimator.discount = c.discount;
  o.meta.estimator.gae_lambda = c.gae_lambda;
  o.meta.estimator.mean = core::Within("--gradient-mean", [&] { return ParseGradientMean(c.gradient_mean); });
  o.meta.estimator.normalize_advantages = c.normalize_advantages;
  o.meta.estimator.Validate();
  core::Require(c.inner_steps >= 1 || o.meta.algorithm != MetaPolicyAlgorithm::kReptile,
                "--inner-steps: reptile needs at least 1 (its direction is phi_N - x)");
  core::Require(c.measure_bias_every == 0, "--measure-bias-every: not yet measured on RL tasks");
  return o;
}

}  // namespace

core::MakeProblem MetaPolicyProblem(const metalearn::MetaConfig& c) {
  const MetaPolicyProblemOptions options = Options(c);
  core::Within("--task", [&] { return MetaPolicyOracle(options, c.workers).Dimension(); });  // usage errors before the run folder exists
  return [c, options](core::WorkerPool& pool) {
    auto oracle = std::make_shared<MetaPolicyOracle>(options, c.workers);
    core::RunProblem p;
    p.oracle = oracle;
    p.state = oracle;
    core::Rng init(c.seed, core::StreamKind::kInit);
    p.x0 = oracle->Initial(init);
    // The held-out figure: minus the mean return after the configured adaptation steps.
    p.evaluate = [oracle = oracle.get(), c, &pool](const core::Vector& x) {
      const AdaptationTable t = EvaluateAdaptation(*oracle, x, c.eval_tasks, c.inner_steps, c.seed, pool);
      return core::Evaluation{-t.mean.back(), std::nullopt};
    };
    p.progress_note = [oracle = oracle.get()] {
      std::ostringstream note;
      if (oracle->last_adapted_return()) note << "adapted return " << std::fixed << std::setprecision(2) << *oracle->last_adapted_return();
      return note.str();
    };
    const MetaPolicyProblemOptions& o = oracle->options();
    std::ostringstream what;
    what << o.family << ", policy " << PolicyOptions::NetworkSpec(o.policy.hidden) << " (" << oracle->Dimension() << " parameters), "
         << MetaPolicyAlgorithmName(o.meta.algorithm) << " with " << o.meta.inner_steps << " inner step(s) of " << o.meta.inner_lr << ", "
         << o.episodes << " episodes of horizon " << o.horizon << " per batch, " << c.estimator << " with baseline " << c.baseline
         << ", meta-batch " << c.meta_batch << " = " << c.workers << " workers x " << o.tasks_per_worker << " tasks";
    p.name = o.family;
    p.description = what.str();
    return p;
  };
}

AdaptationTable MetaPolicyTestCheckpoint(const metalearn::MetaConfig& c, const core::RunCheckpoint& checkpoint, int tasks, int steps,
                                         std::int64_t& iteration) {
  const core::RestoredRun run = core::RestoreRun(c, checkpoint, MetaPolicyProblem(c));
  iteration = run.iteration;
  const auto& oracle = static_cast<const MetaPolicyOracle&>(*run.problem.oracle);
  return EvaluateAdaptation(oracle, run.x, tasks, steps, c.seed, *run.pool);
}

}  // namespace pmlab::rl
