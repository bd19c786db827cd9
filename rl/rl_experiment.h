#pragma once
// `pmlab rl`: policy-gradient training on the environments of envs/, through the same worker
// pool, gradient transforms and momentum server as `train` and `meta`. Builds the problem from
// a plain config; core/run_session runs it and writes the run folder.
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/run/run_session.h"
#include "rl/policy_evaluation.h"

namespace pmlab::rl {

/// Every option of an RL run. Field names are the command-line flags with '-' written as '_'.
struct RlConfig : core::RunOptions {
  RlConfig() {
    workers = 8;
    iters = 300;
    momentum.lr = 0.01;  // CartPole-v1 solved (mean return 500) by iteration 77-116 over seeds 1-5
    momentum.beta = 0.1;
    eval_every = 10;
    checkpoint_every = 25;
  }
  std::string env = "CartPole-v1";
  std::string preset = "auto";          ///< tuned settings beneath the flags: auto (of --env), none, or a preset's name;
                                        ///< after parsing, the preset applied or none
  std::string policy = "mlp:64,64";     ///< linear | mlp:W1,W2,...
  std::string action_dist = "auto";     ///< auto | categorical | gaussian
  double init_log_std = 0;              ///< Gaussian policies' starting log standard deviation
  std::string activation = "tanh";      ///< the policy's hidden layers: tanh or relu
  int horizon = 0;                      ///< H: steps per episode at most; 0 = the environment's time limit
  double discount = 0.99;               ///< gamma of the MDP
  std::string estimator = "gae";        ///< reinforce | gpomdp | gae
  double gae_lambda = 0.95;
  std::string baseline = "value";       ///< none | mean | value
  std::string value = "linear";         ///< the value baseline: linear | mlp:W1,W2,... (its parameters then ride in x)
  double value_coef = 0.5;              ///< weight of the value network's loss beside the policy's
  std::string state_weighting = "discounted";  ///< discounted | uniform
  std::string gradient_mean = "episode";       ///< episode | step
  bool normalize_advantages = true;
  bool normalize_observations = false;
  bool normalize_rewards = false;       ///< divide rewards by the running std of the discounted return (VecNormalize)
  double entropy_coef = 0;
  int episodes_per_worker = 2;          ///< E: environments stepped together per worker
  int steps_per_worker = 0;             ///< 0: E whole episodes; else this many steps over the E environments
  bool persistent_envs = false;         ///< with steps_per_worker: episodes go on into the next iteration
  int epochs = 1;                       ///< K: passes over each iteration's samples (sample reuse)
  int minibatches = 1;                  ///< M: server steps per pass, each on 1/M of a worker's samples
  double target_kl = 0;                 ///< ppo: stop an iteration's passes at 1.5 x this approximate KL; 0 = never
  int eval_episodes = 10;               ///< episodes of each periodic evaluation
  std::int64_t measure_bias_every = 0;  ///< 0 = never
  int bias_reference_horizon = 0;       ///< 0 = 10 H
  int bias_reference_batches = 200;     ///< worker batches per bias measurement
};

/// The problem of `config` (throws std::invalid_argument for bad options).
core::MakeProblem RlProblem(const RlConfig& config);
/// The checks RlProblem makes of `config` before it builds anything (std::invalid_argument).
void CheckRlConfig(const RlConfig& config);

struct RlEvaluation {
  std::int64_t iteration = 0;  ///< of the checkpoint evaluated
  std::vector<EpisodeOutcome> outcomes;
  EvaluationSummary summary;
};

/// Evaluates a checkpoint of a run with `config`: `options.env` and `options.policy` are
/// filled from the config.
RlEvaluation EvaluateCheckpoint(const RlConfig& config, const core::RunCheckpoint& checkpoint, EvaluationOptions options);

/// The policy a checkpoint has trained, taken out of its run: meta-testing adapts from it as
/// from a multi-task pretrained policy.
struct TrainedPolicy {
  std::string env;                 ///< the run's --env
  PolicyOptions policy;            ///< its network
  bool normalizes_observations = false;  ///< the policy reads observations through the run's normaliser
  std::int64_t iteration = 0;      ///< of the checkpoint
  core::Vector parameters;         ///< the policy's (the value network's, if any, left behind)
  ObservationNormalizer normalizer{0, false};  ///< the run's, as the policy reads observations through it
};

/// The policy of a checkpoint of a run with `config`.
TrainedPolicy TrainedPolicyOf(const RlConfig& config, const core::RunCheckpoint& checkpoint);

}  // namespace pmlab::rl
