// `pmlab rl`: policy-gradient reinforcement learning with parallel momentum, as a run kind.
#include <cereal/archives/json.hpp>
#include <cereal/types/vector.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/opt/flag_context.h"
#include "envs/image_file.h"
#include "envs/registry.h"
#include "rl/estimator.h"
#include "runners/rl_command.h"
#include "runners/rl_presets.h"
#include "runners/typed_run_kind.h"

namespace pmlab::runners {
namespace {

// What `pmlab eval` runs of an rl checkpoint: `seed` or the run's own.
rl::EvaluationOptions EvaluationOf(const rl::RlConfig& config, int episodes, std::optional<std::uint64_t> seed, bool deterministic) {
  rl::EvaluationOptions options;
  options.episodes = episodes;
  options.seed = seed.value_or(config.seed);
  options.deterministic = deterministic;
  return options;
}

class RlKind final : public TypedRunKind<rl::RlConfig> {
 public:
  RlKind() : TypedRunKind({3, "rl"}) {}

  void AddEvalFlags(EvalFlags& flags) override {
    episodes_ = 100;
    seed_.reset();
    deterministic_ = false;
    render_.reset();
    flags.Add("--episodes", episodes_, "Episodes to run (default 100)", "RL runs");
    flags.Add("--seed", seed_, "Seed of the evaluation episodes (default: the run's --seed)", "RL runs");
    flags.AddFlag("--deterministic", deterministic_, "Act with the policy's mode instead of sampling", "RL runs");
    flags.Add("--render", render_, "Write each episode as an animated GIF into this folder", "RL runs");
  }

  int Evaluate(const EvalRequest& e, const core::RunCheckpoint& ck, const std::filesystem::path& checkpoint) override {
    core::Require(episodes_ >= 1 && episodes_ <= 1000000, "--episodes: must be from 1 to 1000000");
    core::Require(!render_ || !render_->empty(), "--render: needs a folder to write the GIFs into");
    const std::optional<std::uint64_t> seed = seed_ ? std::optional(core::Within("--seed", [&] { return ParseSeed(*seed_); })) : std::nullopt;
    const rl::RlConfig config = Parse(ck.config_toml);
    rl::EvaluationOptions options = EvaluationOf(config, episodes_, seed, deterministic_);
    if (render_) {
      const std::filesystem::path dir = *render_;
      std::error_code error;
      std::filesystem::create_directories(dir, error);
      if (error) throw std::runtime_error("--render: cannot create the folder '" + *render_ + "': " + error.message());
      options.render = [dir](int episode, const rl::EpisodeOutcome& outcome, const std::vector<envs::Canvas>& frames) {
        char name[96];
        std::snprintf(name, sizeof name, "episode-%03d_return_%.1f.gif", episode, outcome.total_reward);
        envs::WriteGif(dir / name, frames);
      };
    }
    const rl::RlEvaluation run = rl::EvaluateCheckpoint(config, ck, options);
    const rl::EvaluationSummary& s = run.summary;
    if (e.json) {
      std::vector<double> returns;
      std::vector<int> lengths;
      for (const rl::EpisodeOutcome& o : run.outcomes) {
        returns.push_back(o.total_reward);
        lengths.push_back(o.length);
      }
      {
        cereal::JSONOutputArchive ar(std::cout);
        ar(cereal::make_nvp("checkpoint", checkpoint.string()), cereal::make_nvp("iteration", run.iteration),
           cereal::make_nvp("env", config.env), cereal::make_nvp("episodes", s.episodes),
           cereal::make_nvp("seed", options.seed), cereal::make_nvp("deterministic", deterministic_),
           cereal::make_nvp("return_mean", s.mean), cereal::make_nvp("return_std", s.std), cereal::make_nvp("return_min", s.min),
           cereal::make_nvp("return_max", s.max), cereal::make_nvp("episode_length_mean", s.length_mean),
           cereal::make_nvp("returns", returns), cereal::make_nvp("lengths", lengths));
        // Environments without a solved threshold (Pendulum, PointNav) have neither member.
        if (s.solved_at) ar(cereal::make_nvp("solved_threshold", *s.solved_at), cereal::make_nvp("success_rate", *s.success_rate));
      }
      std::cout << "\n";
      return 0;
    }
    std::printf("%s after %lld iterations: %d episodes (%s, seed %llu)\n", config.env.c_str(), static_cast<long long>(run.iteration),
                s.episodes, deterministic_ ? "deterministic" : "sampled actions", static_cast<unsigned long long>(options.seed));
    std::printf("return %.2f +- %.2f (std), min %.2f, max %.2f, mean length %.1f", s.mean, s.std, s.min, s.max, s.length_mean);
    if (s.success_rate) std::printf(", %.0f%% at or above %g (solved)", 100 * *s.success_rate, *s.solved_at);
    std::printf("\n");
    if (render_) std::printf("GIFs in %s/\n", render_->c_str());
    return 0;
  }

 protected:
  CLI::App* AddFlags(CLI::App& app, rl::RlConfig& c) const override {
    CLI::App* t = app.add_subcommand("rl", "Policy-gradient reinforcement learning with truncated rollouts and parallel momentum");
    t->footer(RunFooter("rl",
                        "Writes RUN_DIR/config.toml, metrics.csv (one row per iteration: train_loss is the surrogate,\n"
                        "episode columns are the workers' episodes, test_loss is minus the mean return of the periodic\n"
                        "evaluation) and summary.json (best and final mean return, when it first reached the solved\n"
                        "threshold). Evaluate a run: pmlab eval RUN_DIR --episodes 100 [--render DIR].\n\n" +
                            RlPresetListing(),
                        {&envs::Environments(), &envs::EnvFamilies(), &rl::Estimators()}));
    t->configurable();

    t->add_option("--env", c.env, "A registered environment or env family (listed below, with spaces in pmlab envs), e.g. CartPole-v1, LunarLander-v3(continuous=true)")
        ->group("Environment");
    t->add_option("--preset", c.preset,
                  "Tuned settings (listed below): auto (the preset of --env, when no --config and no flag of the method is given), "
                  "none (the plain defaults), or a preset's name, applied beneath the flags given")
        ->group("Environment");
    t->add_option("--horizon", c.horizon, "H: steps per episode at most (0 = the environment's time limit)")
        ->check(CLI::Range(0, 100000000))->group("Environment");
    AddNumber(t, "--discount", c.discount, "gamma of the MDP, in (0, 1]")->group("Environment");

    t->add_option("--policy", c.policy, "Policy network: linear, or mlp:W1,W2,... with tanh hidden layers")->group("Policy");
    t->add_option("--action-dist", c.action_dist, "auto (from the action space), categorical or gaussian")->group("Policy");
    AddNumber(t, "--init-log-std", c.init_log_std, "Gaussian policies: starting log standard deviation")->group("Policy");
    t->add_option("--activation", c.activation, "The policy's hidden layers: tanh or relu")->group("Policy");

    t->add_option("--estimator", c.estimator, "A registered estimator (listed below): reinforce (whole return), gpomdp (reward-to-go), gae (lambda), ppo (gae, clipped ratio on reused samples), ...")
        ->check(Registered(rl::Estimators()))->group("Estimator");
    AddNumber(t, "--gae-lambda", c.gae_lambda, "lambda of gae, in [0, 1]")->group("Estimator");
    t->add_option("--baseline", c.baseline, "none, mean (over the worker's episodes) or value (--value)")->group("Estimator");
    t->add_option("--value", c.value,
                  "The value baseline: linear (in features of s and t, refitted each iteration) or mlp:W1,W2,... (tanh; its "
                  "parameters follow the policy's in x, stepped by the same server)")
        ->group("Estimator");
    AddNumber(t, "--value-coef", c.value_coef, "Weight of the value network's regression loss beside the policy's")->group("Estimator");
    t->add_option("--state-weighting", c.state_weighting,
                  "discounted (gamma^t: the gradient of the discounted return) or uniform (drops gamma^t, as A2C/PPO)")
        ->group("Estimator");
    t->add_option("--gradient-mean", c.gradient_mean,
                  "episode (a worker's sum over its batch / E: unbiased) or step (/ its steps, as A2C/PPO: biased, steadier scale)")
        ->group("Estimator");
    AddSwitch(t, "--normalize-advantages", c.normalize_advantages, "Centre and scale each worker's advantages")->group("Estimator");
    AddSwitch(t, "--normalize-observations", c.normalize_observations, "Running mean/std normalisation of observations")
        ->group("Estimator");
    AddSwitch(t, "--normalize-rewards", c.normalize_rewards,
              "Divide rewards by the running std of the discounted return, clipped to +-10 (Stable-Baselines3's VecNormalize)")
        ->group("Estimator");
    AddNumber(t, "--entropy-coef", c.entropy_coef, "Weight of the entropy bonus")->group("Estimator");

    t->add_option("--epochs", c.epochs, "K: passes over each iteration's samples, each a new order from the worker's stream (PPO's reuse)")
        ->check(CLI::Range(1, 100000))->group("Sample reuse");
    t->add_option("--minibatches", c.minibatches,
                  "M: server steps per pass, each on 1/M of every worker's samples (needs --steps-per-worker)")
        ->check(CLI::Range(1, 1000000))->group("Sample reuse");
    AddNumber(t, "--target-kl", c.target_kl,
              "ppo: end an iteration's passes before a step whose mean approximate KL exceeds 1.5 x this; 0 = never")
        ->group("Sample reuse");

    t->add_option("--workers", c.workers, "Logical workers; each rolls out its own episodes from its own stream")
        ->check(CLI::Range(1, 1 << 20))->group("Rollouts");
    t->add_option("--episodes-per-worker", c.episodes_per_worker, "E: episodes per worker and iteration, stepped together")
        ->check(CLI::Range(1, 1 << 20))->group("Rollouts");
    t->add_option("--steps-per-worker", c.steps_per_worker,
                  "Instead of whole episodes: this many steps per worker, over its E environments (the last episodes cut)")
        ->check(CLI::Range(0, 1 << 30))->group("Rollouts");
    AddSwitch(t, "--persistent-envs", c.persistent_envs,
              "With --steps-per-worker: an episode the budget cuts goes on in the next iteration instead of a reset (A2C's and "
              "PPO's n-step segments; checkpoints keep each episode's seed and actions and replay them on resume)")
        ->group("Rollouts");

    AddRunFlags(t, c, "Evaluate (--eval-episodes whole episodes) every N iterations and at the end; 0 = never");
    t->add_option("--eval-episodes", c.eval_episodes, "Episodes of each periodic evaluation")->check(CLI::Range(1, 1 << 20))->group("Run");
    t->add_option("--measure-bias-every", c.measure_bias_every,
                  "Log the gradient's relative bias against a long-horizon unbiased reference every N iterations; 0 = never")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40))->group("Bias measurement");
    t->add_option("--bias-reference-horizon", c.bias_reference_horizon, "Horizon of the reference (0 = 10 x --horizon)")
        ->check(CLI::Range(0, 100000000))->group("Bias measurement");
    t->add_option("--bias-reference-batches", c.bias_reference_batches, "Worker batches (of E episodes) per measurement")
        ->check(CLI::Range(2, 1 << 20))->group("Bias measurement");
    return t;
  }

  void CheckConfig(const rl::RlConfig& config) const override { rl::CheckRlConfig(config); }
  void Resolve(CLI::App& command, rl::RlConfig& config, bool config_file) const override {
    // config.toml names the preset the run started from ("none" when none applied); replaying
    // it with --config reads every value from the file, so the name only informs.
    config.preset = ApplyRlPreset(command, config.preset, config.env, config_file);
  }
  core::MakeProblem Problem(const rl::RlConfig& config) const override { return rl::RlProblem(config); }

 private:
  int episodes_ = 100;
  std::optional<std::string> seed_;  // unset: the run's own seed
  bool deterministic_ = false;
  std::optional<std::string> render_;  // unset: no GIFs
};

}  // namespace

PMLAB_REGISTER_RUN_KIND(RlKind);

std::optional<rl::TrainedPolicy> RlTrainedPolicy(core::RunKindId kind, const core::RunCheckpoint& checkpoint) {
  const RlKind rl_kind;
  if (kind != rl_kind.info().id) return std::nullopt;
  return rl::TrainedPolicyOf(rl_kind.Parse(checkpoint.config_toml), checkpoint);
}

std::optional<rl::RlEvaluation> EvaluateRlCheckpoint(core::RunKindId kind, const core::RunCheckpoint& checkpoint, int episodes,
                                                     std::optional<std::uint64_t> seed, bool deterministic) {
  const RlKind rl_kind;
  if (kind != rl_kind.info().id) return std::nullopt;
  core::Require(episodes >= 1 && episodes <= 1000000, "episodes: must be from 1 to 1000000");
  const rl::RlConfig config = rl_kind.Parse(checkpoint.config_toml);
  return rl::EvaluateCheckpoint(config, checkpoint, EvaluationOf(config, episodes, seed, deterministic));
}

}  // namespace pmlab::runners
