#include "rl/policy_evaluation.h"

#include <algorithm>
#include <cmath>

#include "envs/registry.h"

namespace pmlab::rl {

core::Rng EvaluationStream(std::uint64_t seed, std::int64_t episode) {
  return core::Rng(seed, core::StreamKind::kHeldOut, static_cast<std::uint64_t>(episode));
}

std::vector<EpisodeOutcome> EvaluatePolicy(const EvaluationOptions& o, const ObservationNormalizer& normalizer,
                                           const Eigen::Ref<const core::Vector>& params, core::WorkerPool& pool) {
  std::vector<EpisodeOutcome> outcomes(static_cast<std::size_t>(std::max(0, o.episodes)));
  pool.ForEach(o.episodes, [&](core::Index e) {
    core::Rng rng = EvaluationStream(o.seed, e);
    const auto env = envs::MakeEnvironment(o.env);
    const auto policy = MakePolicy<float>(o.policy, env->observation_space(), env->action_space());
    core::Matrix input(env->observation_space().Dimension(), 1), action;
    Eigen::VectorXd env_action(env->action_space().Dimension());
    std::vector<envs::Canvas> frames;
    normalizer.Normalize(env->Reset(rng.NextU64()), input.col(0));
    EpisodeOutcome& out = outcomes[static_cast<std::size_t>(e)];
    for (bool over = false; !over;) {
      if (o.render && out.length % o.frame_every == 0) frames.push_back(env->Render());
      policy->Act(params, input, rng, o.deterministic, action);
      env_action = action.col(0).cast<double>();
      const envs::StepResult step = env->Step(env_action);
      out.total_reward += step.reward;
      ++out.length;
      normalizer.Normalize(env->observation(), input.col(0));
      over = step.terminated || step.truncated;
    }
    if (o.render) {
      frames.push_back(env->Render());
      o.render(static_cast<int>(e), out, frames);
    }
  });
  return outcomes;
}

EvaluationSummary Summarize(const std::vector<EpisodeOutcome>& outcomes, std::optional<double> solved_at) {
  EvaluationSummary s;
  s.episodes = static_cast<int>(outcomes.size());
  s.solved_at = solved_at;
  if (outcomes.empty()) return s;
  const double n = static_cast<double>(outcomes.size());
  s.min = s.max = outcomes.front().total_reward;
  int solved = 0;
  for (const EpisodeOutcome& o : outcomes) {
    s.mean += o.total_reward;
    s.length_mean += o.length;
    s.min = std::min(s.min, o.total_reward);
    s.max = std::max(s.max, o.total_reward);
    if (solved_at && o.total_reward >= *solved_at) ++solved;
  }
  s.mean /= n;
  s.length_mean /= n;
  double sq = 0;
  for (const EpisodeOutcome& o : outcomes) sq += (o.total_reward - s.mean) * (o.total_reward - s.mean);
  s.std = std::sqrt(sq / n);
  if (solved_at) s.success_rate = solved / n;
  return s;
}

}  // namespace pmlab::rl
