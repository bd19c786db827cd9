#include "rl/rl_experiment.h"

#include <cmath>
#include <iomanip>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "core/opt/exact_number.h"
#include "core/opt/cluster.h"
#include "core/opt/flag_context.h"
#include "core/run/run_directory.h"
#include "envs/registry.h"
#include "rl/policy_gradient_oracle.h"
#include "rl/truncation_bias.h"

namespace pmlab::rl {
namespace {

struct Setup {
  PolicyGradientOptions options;
  int reference_horizon = 0;
  std::optional<double> solved_at;
  std::string description;
};

// Validates the config against the environment it names and resolves the defaults that
// depend on it (the horizon).
Setup Build(const RlConfig& c) {
  Setup s;
  const auto env = core::Within("--env", [&] { return envs::MakeEnvironment(c.env); });
  core::Require(c.horizon >= 0, "--horizon: must be at least 1 (or 0 for the environment's time limit)");
  core::Require(c.episodes_per_worker >= 1, "--episodes-per-worker: must be at least 1");
  core::Require(c.steps_per_worker >= 0, "--steps-per-worker: must be >= 0 (0 = whole episodes)");
  core::Require(c.steps_per_worker % c.episodes_per_worker == 0,
                "--steps-per-worker: " + std::to_string(c.steps_per_worker) + " steps do not split evenly over " +
                    std::to_string(c.episodes_per_worker) + " environments (--episodes-per-worker); use a multiple");
  core::Require(std::isfinite(c.entropy_coef) && c.entropy_coef >= 0, "--entropy-coef: must be a finite number >= 0");
  core::Require(std::isfinite(c.init_log_std) && std::abs(c.init_log_std) <= 20, "--init-log-std: must be within [-20, 20]");
  core::Require(c.eval_episodes >= 1, "--eval-episodes: must be at least 1");
  core::Require(c.measure_bias_every >= 0, "--measure-bias-every: must be >= 0 (0 = never)");
  core::Require(c.bias_reference_batches >= 2, "--bias-reference-batches: must be at least 2");
  core::Require(c.bias_reference_horizon >= 0, "--bias-reference-horizon: must be >= 0 (0 = 10 x --horizon)");

  PolicyGradientOptions& o = s.options;
  o.rollout.env = c.env;
  o.rollout.horizon = c.horizon > 0 ? c.horizon : env->time_limit();
  o.rollout.environments = c.episodes_per_worker;
  o.rollout.steps_per_environment = c.steps_per_worker / c.episodes_per_worker;
  core::Require(!c.persistent_envs || c.steps_per_worker > 0,
                "--persistent-envs: episodes persist across a step budget; give --steps-per-worker (or drop --persistent-envs)");
  o.rollout.persistent = c.persistent_envs;
  o.policy.distribution = c.action_dist;
  o.policy.hidden = core::Within("--policy", [&] { return PolicyOptions::ParseNetwork(c.policy); });
  o.policy.initial_log_std = c.init_log_std;
  o.policy.activation = core::Within("--activation", [&] { return PolicyOptions::ParseActivation(c.activation); });
  o.estimator.estimator = core::Within("--estimator", [&] { return MakeEstimator(c.estimator); });
  o.estimator.baseline = core::Within("--baseline", [&] { return ParseBaseline(c.baseline); });
  o.estimator.weighting = core::Within("--state-weighting", [&] { return ParseStateWeighting(c.state_weighting); });
  o.estimator.mean = core::Within("--gradient-mean", [&] { return ParseGradientMean(c.gradient_mean); });
  o.estimator.discount = c.discount;
  o.estimator.gae_lambda = c.gae_lambda;
  o.estimator.normalize_advantages = c.normalize_advantages;
  o.estimator.Validate();
  o.value_hidden = core::Within("--value", [&] { return PolicyOptions::ParseNetwork(c.value); });
  core::Require(o.value_hidden.empty() || o.estimator.baseline == Baseline::kValue,
                "--value: a value network serves --baseline value only; drop --value or use --baseline value");
  core::Require(std::isfinite(c.value_coef) && c.value_coef > 0, "--value-coef: must be a finite number > 0");
  o.value_coef = c.value_coef;
  o.entropy_coef = c.entropy_coef;
  o.normalize_observations = c.normalize_observations;
  o.normalize_rewards = c.normalize_rewards;
  if (c.normalize_rewards) o.rollout.return_discount = c.discount;
  core::Require(c.epochs >= 1 && c.epochs <= 100000, "--epochs: must be from 1 to 100000");
  core::Require(c.minibatches >= 1 && c.minibatches <= 1000000, "--minibatches: must be from 1 to 1000000");
  core::Require(c.minibatches == 1 || c.steps_per_worker > 0,
                "--minibatches: splits a fixed number of samples; give --steps-per-worker (PPO's n-step rollouts)");
  core::Require(static_cast<std::int64_t>(c.epochs) * c.minibatches <= 10'000'000,
                "--epochs x --minibatches: " + std::to_string(static_cast<std::int64_t>(c.epochs) * c.minibatches) +
                    " server steps an iteration; at most 10,000,000");
  core::Require(c.minibatches <= std::max(c.steps_per_worker, 1),
                "--minibatches: " + std::to_string(c.minibatches) + " minibatches of a worker's " + std::to_string(c.steps_per_worker) +
                    " steps (--steps-per-worker) would leave some empty; use at most " + std::to_string(c.steps_per_worker));
  core::Require(std::isfinite(c.target_kl) && c.target_kl >= 0, "--target-kl: must be a finite number >= 0 (0 = never stop)");
  core::Require(c.target_kl == 0 || o.estimator.estimator->reuse_clip().ratio > 0,
                "--target-kl: the approximate KL is measured by --estimator ppo; use it, or drop --target-kl");
  o.reuse.epochs = c.epochs;
  o.reuse.minibatches = c.minibatches;
  o.reuse.target_kl = c.target_kl;
  core::Require(c.measure_bias_every == 0 || !c.normalize_rewards,
                "--measure-bias-every: measures the estimator on the environment's own rewards; drop --normalize-rewards");
  // Without reuse it measures the truncation bias of whole episodes; with reuse, the bias of
  // the reused samples at the start of each epoch after the first.
  core::Require(c.measure_bias_every == 0 || o.Reuses() || c.steps_per_worker == 0,
                "--measure-bias-every: measures the truncation of whole episodes; use --episodes-per-worker without "
                "--steps-per-worker (or measure reused samples: --epochs 2 or more)");
  core::Require(c.measure_bias_every == 0 || !o.Reuses() || c.epochs >= 2,
                "--measure-bias-every: measures reused samples at the start of each epoch after the first; give --epochs 2 or more");
  const auto policy = MakePolicy<float>(o.policy, env->observation_space(), env->action_space());
  s.reference_horizon = c.bias_reference_horizon > 0 ? c.bias_reference_horizon : 10 * o.rollout.horizon;
  core::Require(s.reference_horizon >= o.rollout.horizon, "--bias-reference-horizon: must be at least --horizon");
  s.solved_at = envs::SolvedThreshold(c.env);

  std::ostringstream what;
  what << c.env << ", " << (env->action_space().IsDiscrete() ? "categorical" : "Gaussian") << " policy "
       << PolicyOptions::NetworkSpec(o.policy.hidden) << (o.policy.hidden.empty() ? "" : " " + c.activation) << " (" << policy->ParameterCount() << " parameters), " << c.estimator
       << " with baseline " << c.baseline
       << (o.estimator.baseline == Baseline::kValue ? " (" + PolicyOptions::NetworkSpec(o.value_hidden) + ")" : std::string()) << ", discount " << c.discount << ", horizon " << o.rollout.horizon << ", " << c.workers
       << " workers x ";
  if (c.steps_per_worker > 0)
    what << c.steps_per_worker << " steps on " << c.episodes_per_worker << (c.persistent_envs ? " persistent" : "") << " environments";
  else what << c.episodes_per_worker << " episodes";
  if (o.Reuses()) what << ", reused for " << c.epochs << " epochs x " << c.minibatches << " minibatches";
  if (c.preset != "none" && c.preset != "auto") what << " (preset " << c.preset << ")";
  s.description = what.str();
  return s;
}

std::string Json(std::optional<double> v) { return v && std::isfinite(*v) ? core::FormatNumber(*v) : "null"; }
std::string Json(std::optional<std::int64_t> v) { return v ? std::to_string(*v) : "null"; }

core::RunProblem ProblemOf(const RlConfig& c, const Setup& s, core::WorkerPool& pool) {
  auto oracle = std::make_shared<PolicyGradientOracle>(s.options, c.workers, s.solved_at);
  core::RunProblem p;
  p.oracle = oracle;
  p.state = oracle;
  core::Rng init(c.seed, core::StreamKind::kInit);
  p.x0 = oracle->Initial(init);
  // The held-out figure: minus the mean return of --eval-episodes episodes, the same seeds
  // every time, so that evaluations differ only by the policy.
  p.evaluate = [c, options = s.options, oracle = oracle.get(), &pool](const core::Vector& x) {
    EvaluationOptions e;
    e.env = c.env;
    e.policy = options.policy;
    e.episodes = c.eval_episodes;
    e.seed = c.seed;
    const EvaluationSummary summary = Summarize(EvaluatePolicy(e, oracle->normalizer(), x.head(oracle->policy_size()), pool), std::nullopt);
    return core::Evaluation{-summary.mean, std::nullopt};
  };
  p.extra_columns = {"episodes", "steps", "episodes_total", "steps_total", "return_mean", "return_min", "return_max", "episode_length_mean"};
  const bool reuses = s.options.Reuses();
  if (reuses) p.extra_columns.insert(p.extra_columns.end(), {"approx_kl", "clip_fraction", "entropy", "explained_variance"});
  if (c.measure_bias_every > 0 && !reuses) p.extra_columns.insert(p.extra_columns.end(), {"bias", "bias_mc_error"});
  if (c.measure_bias_every > 0 && reuses) {
    for (int epoch = 1; epoch < c.epochs; ++epoch)
      for (const char* name : {"bias_after_epoch_", "bias_mc_error_after_epoch_"}) p.extra_columns.push_back(name + std::to_string(epoch));
    if (core::ThisJob().is_root()) oracle->MeasureReuseBiasEvery(c.measure_bias_every, c.bias_reference_batches, c.seed, pool);
  }
  p.extra_cells = [c, s, oracle = oracle.get(), &pool](std::int64_t k, const core::Vector& x, std::vector<core::MetricsWriter::Cell>& cells) {
    const IterationEpisodes& it = oracle->last_iteration();
    const EpisodeRecord& r = oracle->record();
    const bool any = it.episodes > 0;
    cells.insert(cells.end(), {double(it.episodes), double(it.steps), double(r.episodes), double(r.steps)});
    for (const double v : {it.return_mean, it.return_min, it.return_max, it.length_mean})
      cells.push_back(any ? core::MetricsWriter::Cell(v) : std::nullopt);
    if (s.options.Reuses())
      for (const double v : {it.approx_kl, it.clip_fraction, it.entropy, it.explained_variance})
        cells.push_back(std::isfinite(v) ? core::MetricsWriter::Cell(v) : std::nullopt);
    if (c.measure_bias_every > 0 && s.options.Reuses()) {
      const auto& measured = oracle->reuse_bias();
      for (int epoch = 1; epoch < c.epochs; ++epoch) {
        const auto& b = static_cast<std::size_t>(epoch) <= measured.size() ? measured[static_cast<std::size_t>(epoch - 1)] : std::nullopt;
        cells.push_back(b ? core::MetricsWriter::Cell(b->relative_bias) : std::nullopt);
        cells.push_back(b ? core::MetricsWriter::Cell(b->monte_carlo) : std::nullopt);
      }
    } else if (c.measure_bias_every > 0 && k % c.measure_bias_every == 0) {
      const core::BiasEstimate b =
          MeasureTruncationBias(s.options, *oracle, x, s.reference_horizon, c.bias_reference_batches, c.seed, k, pool);
      cells.push_back(b.relative_bias);
      cells.push_back(b.monte_carlo);
    }
  };
  p.held_out_is_return = true;
  p.progress_note = [oracle = oracle.get()] {
    const IterationEpisodes& it = oracle->last_iteration();
    std::ostringstream note;
    if (it.episodes > 0) note << "return " << std::fixed << std::setprecision(1) << it.return_mean << " (" << it.episodes << " episodes)";
    note << "  steps " << oracle->record().steps;
    return note.str();
  };
  p.summary_fields = [c, s, oracle = oracle.get()] {
    const EpisodeRecord& r = oracle->record();
    return std::vector<std::pair<std::string, std::string>>{
        {"env", core::JsonString(c.env)},
        {"solved_threshold", Json(s.solved_at)},
        {"episodes_total", std::to_string(r.episodes)},
        {"steps_total", std::to_string(r.steps)},
        {"best_mean_return", Json(r.best_return)},
        {"final_mean_return", Json(r.last_return)},
        {"first_iteration_solved", Json(r.solved_iteration)},
        {"first_step_solved", Json(r.solved_steps)}};
  };
  p.name = c.env;
  p.description = s.description;
  return p;
}

core::RestoredRun Restore(const RlConfig& c, const Setup& s, const core::RunCheckpoint& checkpoint) {
  return core::RestoreRun(c, checkpoint, [&](core::WorkerPool& pool) { return ProblemOf(c, s, pool); });
}

}  // namespace

void CheckRlConfig(const RlConfig& c) { (void)Build(c); }

core::MakeProblem RlProblem(const RlConfig& c) {
  const Setup s = Build(c);  // usage errors before the run folder exists
  return [c, s](core::WorkerPool& pool) { return ProblemOf(c, s, pool); };
}

RlEvaluation EvaluateCheckpoint(const RlConfig& c, const core::RunCheckpoint& checkpoint, EvaluationOptions options) {
  const Setup s = Build(c);
  const core::RestoredRun run = Restore(c, s, checkpoint);
  const auto& oracle = static_cast<const PolicyGradientOracle&>(*run.problem.oracle);
  options.env = c.env;
  options.policy = s.options.policy;
  RlEvaluation result;
  result.iteration = run.iteration;
  result.outcomes = EvaluatePolicy(options, oracle.normalizer(), run.x.head(oracle.policy_size()), *run.pool);
  result.summary = Summarize(result.outcomes, s.solved_at);
  return result;
}

TrainedPolicy TrainedPolicyOf(const RlConfig& c, const core::RunCheckpoint& checkpoint) {
  const Setup s = Build(c);
  const core::RestoredRun run = Restore(c, s, checkpoint);
  const auto& oracle = static_cast<const PolicyGradientOracle&>(*run.problem.oracle);
  return {c.env, s.options.policy, c.normalize_observations, run.iteration, run.x.head(oracle.policy_size()), oracle.normalizer()};
}

}  // namespace pmlab::rl
