#include "metarl/meta_policy_experiment.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/opt/flag_context.h"
#include "metarl/meta_policy_bias.h"

#include <tbb/enumerable_thread_specific.h>

namespace pmlab::rl {

std::string MetaPolicyFamily(const std::string& task) {
  if (task == "pointnav") return "PointNav";
  if (task == "lunar-gravity") return "LunarLander";
  if (task == "cartpole") return "CartPole";
  if (task == "walker-velocity") return "BipedalWalkerVelocity";
  // A registered family's name, with or without parameters; whether the parameters are valid
  // is for the problem to say, naming --task.
  const std::string name = task.substr(0, task.find('('));
  return envs::EnvFamilies().Has(name) ? task : std::string();
}

AdaptationTable EvaluateAdaptation(const MetaPolicyOracle& oracle, const core::Vector& x, int tasks, std::span<const double> step_sizes,
                                   std::uint64_t seed, core::WorkerPool& pool, std::vector<AdaptedTask>* adapted) {
  const Eigen::Index steps = static_cast<Eigen::Index>(step_sizes.size());
  Eigen::MatrixXd returns(tasks, steps + 1);
  if (adapted) adapted->assign(static_cast<std::size_t>(tasks), AdaptedTask{});
  tbb::enumerable_thread_specific<std::unique_ptr<MetaPolicyGradient>> scratch;
  pool.ForEach(tasks, [&](core::Index k) {
    auto& estimator = scratch.local();
    if (!estimator) estimator = std::make_unique<MetaPolicyGradient>(oracle.MakeEstimator());
    core::Rng rng(seed, core::StreamKind::kHeldOut, static_cast<std::uint64_t>(k));
    const std::string spec = oracle.family().SampleTask(rng);
    EnvironmentEpisodes task(oracle.TaskRollouts(spec));
    Eigen::VectorXd curve(steps + 1);
    AdaptedTask* keep = adapted ? &(*adapted)[static_cast<std::size_t>(k)] : nullptr;
    estimator->AdaptationCurve(x, task, rng, step_sizes, curve, keep ? &keep->params : nullptr);
    if (keep) keep->spec = spec;
    returns.row(k) = curve.transpose();
  });
  return AdaptationTable(std::move(returns));
}

AdaptationTable::AdaptationTable(Eigen::MatrixXd per_task) : tasks(static_cast<int>(per_task.rows())), returns(std::move(per_task)) {
  for (Eigen::Index j = 0; j < returns.cols(); ++j) {
    const Eigen::VectorXd column = returns.col(j);
    const double mean = column.mean();
    const double var = tasks > 1 ? (column.array() - mean).square().sum() / (tasks - 1) : 0.0;
    this->mean.push_back(mean);
    ci95.push_back(1.96 * std::sqrt(var / tasks));
  }
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
  o.policy.activation = core::Within("--activation", [&] { return PolicyOptions::ParseActivation(c.activation); });
  o.meta.algorithm = core::Within("--algo", [&] { return ParseMetaPolicyAlgorithm(c.algo); });
  o.meta.dice_baseline = core::Within("--dice-baseline", [&] { return ParseDiceBaseline(c.dice_baseline); });
  core::Require(o.meta.dice_baseline == DiceBaseline::kMean || o.meta.algorithm == MetaPolicyAlgorithm::kMamlPgDice,
                "--dice-baseline: only --algo maml-pg-dice has one");
  o.meta.inner_lr = c.inner_lr;
  o.meta.inner_steps = c.inner_steps;
  o.meta.estimator.estimator = core::Within("--estimator", [&] { return MakeEstimator(c.estimator); });
  core::Require(o.meta.estimator.estimator->reuse_clip().ratio == 0,
                "--estimator: " + c.estimator + " weighs reused samples, which meta-RL's inner and outer batches are not; use gae");
  o.meta.estimator.baseline = core::Within("--baseline", [&] { return ParseBaseline(c.baseline); });
  o.meta.estimator.discount = c.discount;
  o.meta.estimator.gae_lambda = c.gae_lambda;
  o.meta.estimator.mean = core::Within("--gradient-mean", [&] { return ParseGradientMean(c.gradient_mean); });
  o.meta.estimator.normalize_advantages = c.normalize_advantages;
  o.meta.estimator.Validate();
  core::Require(c.inner_steps >= 1 || o.meta.algorithm != MetaPolicyAlgorithm::kReptile,
                "--inner-steps: reptile needs at least 1 (its direction is phi_N - x)");
  core::Require(c.measure_bias_every >= 0, "--measure-bias-every: must be >= 0 (0 = never)");
  core::Require(c.bias_reference_tasks >= 2, "--bias-reference-tasks: must be at least 2");
  return o;
}

}  // namespace

void CheckMetaPolicyConfig(const metalearn::MetaConfig& c) { (void)Options(c); }

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
      const std::vector<double> step_sizes(static_cast<std::size_t>(c.inner_steps), c.inner_lr);
      const AdaptationTable t = EvaluateAdaptation(*oracle, x, c.eval_tasks, step_sizes, c.seed, pool);
      return core::Evaluation{-t.mean.back(), std::nullopt};
    };
    if (c.measure_bias_every > 0) {
      p.extra_columns = {"bias", "bias_mc_error", "estimate_spread"};
      p.extra_cells = [oracle = oracle.get(), c, &pool](std::int64_t k, const core::Vector& x, std::vector<core::MetricsWriter::Cell>& cells) {
        if (k % c.measure_bias_every != 0) return;
        const core::BiasEstimate b =
            MeasureMetaPolicyBias(*oracle, x, c.bias_reference_tasks, c.seed, k, pool);
        cells.push_back(b.relative_bias);
        cells.push_back(b.monte_carlo);
        cells.push_back(b.relative_spread);
      };
    }
    p.held_out_is_return = true;
    p.progress_note = [oracle = oracle.get()] {
      std::ostringstream note;
      if (oracle->last_adapted_return()) note << "adapted return " << std::fixed << std::setprecision(2) << *oracle->last_adapted_return();
      return note.str();
    };
    const MetaPolicyProblemOptions& o = oracle->options();
    std::ostringstream what;
    what << o.family << ", policy " << PolicyOptions::NetworkSpec(o.policy.hidden) << (o.policy.hidden.empty() ? "" : " " + c.activation) << " (" << oracle->Dimension()
         << " parameters), "
         << MetaPolicyAlgorithmName(o.meta.algorithm)
         << (o.meta.algorithm == MetaPolicyAlgorithm::kMamlPgDice ? std::string(" (") + DiceBaselineName(o.meta.dice_baseline) + " baseline)" : "")
         << " with " << o.meta.inner_steps << " inner step(s) of " << o.meta.inner_lr << ", "
         << o.episodes << " episodes of horizon " << o.horizon << " per batch, " << c.estimator << " with baseline " << c.baseline
         << ", meta-batch " << c.meta_batch << " = " << c.workers << " workers x " << o.tasks_per_worker << " tasks";
    p.name = o.family;
    p.description = what.str();
    return p;
  };
}

MetaPolicyTest::MetaPolicyTest(const metalearn::MetaConfig& c, const core::RunCheckpoint& checkpoint, const AdaptationProtocol& protocol)
    : config_(c), protocol_(protocol) {
  core::Require(protocol.tasks >= 1, "--tasks: must be at least 1");
  core::Require(protocol.steps >= 0 && protocol.steps <= 100000, "--steps: must be from 0 to 100000");
  for (const double lr : protocol.lr) core::Require(std::isfinite(lr) && lr > 0, "--adapt-lr: every step size must be a finite number > 0");
  core::Require(protocol.episodes >= 0 && protocol.episodes <= (1 << 20), "--adapt-episodes: must be from 1 to 1048576");
  for (int j = 0; j < protocol.steps; ++j)
    step_sizes_.push_back(protocol.lr.empty() ? c.inner_lr : protocol.lr[std::min<std::size_t>(j, protocol.lr.size() - 1)]);
  run_ = core::RestoreRun(c, checkpoint, MetaPolicyProblem(c));
  MetaPolicyProblemOptions o = static_cast<const MetaPolicyOracle&>(*run_.problem.oracle).options();
  if (protocol.episodes > 0) o.episodes = protocol.episodes;
  evaluator_ = std::make_unique<MetaPolicyOracle>(o, 1);
}

MetaPolicyTest::~MetaPolicyTest() = default;

StartingPoint MetaPolicyTest::Trained() const { return {"meta-trained", run_.iteration, run_.x}; }

StartingPoint MetaPolicyTest::Initial() const {
  core::Rng init(config_.seed, core::StreamKind::kInit);
  return {"random", 0, evaluator_->Initial(init)};
}

namespace {

// Throws naming `flag` unless `theirs` is the policy network of `mine`.
void RequireSamePolicy(const MetaPolicyProblemOptions& mine, const std::string& name, const PolicyOptions& theirs,
                       const std::string& flag) {
  const auto describe = [](const PolicyOptions& p) {
    return PolicyOptions::NetworkSpec(p.hidden) + " (" + p.distribution + ", " +
           (p.activation == core::Activation::kTanh ? "tanh" : "relu") + ")";
  };
  core::Require(theirs.hidden == mine.policy.hidden && theirs.distribution == mine.policy.distribution &&
                    theirs.activation == mine.policy.activation,
                flag + ": '" + name + "' has the policy " + describe(theirs) + ", this run " + describe(mine.policy));
}

}  // namespace

StartingPoint OtherRunStart(const metalearn::MetaConfig& mine, const std::string& name, const metalearn::MetaConfig& theirs,
                            const core::RunCheckpoint& checkpoint, const std::string& flag) {
  const MetaPolicyProblemOptions o = Options(mine);
  const std::string family = MetaPolicyFamily(theirs.task);
  core::Require(family == o.family, flag + ": '" + name + "' is a run on " + (family.empty() ? "the supervised task " + theirs.task : family) +
                                        ", not on " + o.family);
  RequireSamePolicy(o, name, Options(theirs).policy, flag);
  const core::RestoredRun other = core::RestoreRun(theirs, checkpoint, MetaPolicyProblem(theirs));
  return {name, other.iteration, other.x};
}

StartingPoint PretrainedStart(const metalearn::MetaConfig& mine, const std::string& name, const TrainedPolicy& policy,
                              PolicySource source, const std::string& flag) {
  const MetaPolicyProblemOptions o = Options(mine);
  if (source == PolicySource::kSameFamily) {
    core::Require(policy.env == o.family, flag + ": '" + name + "' is an rl run on " + policy.env + ", not on the family " + o.family +
                                              " (pmlab rl --env " + o.family + " trains one policy across the family's tasks)");
  } else {
    const auto spaces = [](const std::string& env) {
      const auto e = envs::MakeEnvironment(env);
      return std::vector<int>{e->observation_space().Dimension(), e->action_space().Dimension(), e->action_space().discrete};
    };
    core::Require(spaces(policy.env) == spaces(o.family),
                  flag + ": '" + name + "' is an rl run on " + policy.env + ", whose observations or actions are not those of " + o.family);
  }
  core::Require(!policy.normalizes_observations,
                flag + ": '" + name + "' normalises its observations (--normalize-observations); meta-RL policies read them raw");
  RequireSamePolicy(o, name, policy.policy, flag);
  return {name, policy.iteration, policy.parameters};
}

AdaptationTable MetaPolicyTest::Evaluate(const StartingPoint& start, std::vector<AdaptedTask>* adapted) const {
  return EvaluateAdaptation(*evaluator_, start.x, protocol_.tasks, step_sizes_, config_.seed, *run_.pool, adapted);
}

int MetaPolicyTest::episodes() const { return evaluator_->options().episodes; }
int MetaPolicyTest::horizon() const { return evaluator_->options().horizon; }

void MetaPolicyTest::Render(const std::vector<AdaptedTask>& adapted, std::uint64_t seed, ShowEpisode show) const {
  const ObservationNormalizer identity(evaluator_->observation_space().Dimension(), false);
  for (std::size_t k = 0; k < adapted.size(); ++k)
    for (std::size_t j = 0; j < adapted[k].params.size(); ++j) {
      EvaluationOptions options;
      options.env = adapted[k].spec;
      options.policy = evaluator_->options().policy;
      options.episodes = 1;
      options.seed = seed;
      options.render = [&](int, const EpisodeOutcome& outcome, const std::vector<envs::Canvas>& frames) { show(k, j, outcome, frames); };
      EvaluatePolicy(options, identity, adapted[k].params[j], *run_.pool);
    }
}

}  // namespace pmlab::rl
