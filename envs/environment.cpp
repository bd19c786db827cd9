#include "envs/environment.h"

#include <stdexcept>

namespace pmlab::envs {

Environment::Environment(std::string name, Space observation_space, Space action_space, int time_limit, std::uint64_t instance)
    : name_(std::move(name)),
      observation_space_(std::move(observation_space)),
      action_space_(std::move(action_space)),
      time_limit_(time_limit),
      instance_(instance),
      observation_(observation_space_.Dimension()),
      clipped_(action_space_.Dimension()) {
  if (time_limit < 1) throw std::invalid_argument(name_ + ": the time limit must be at least 1 step");
}

void Environment::set_time_limit(int steps) {
  if (steps < 1) throw std::invalid_argument(name_ + ": max_episode_steps must be at least 1");
  time_limit_ = steps;
}

const Eigen::VectorXd& Environment::Reset(std::uint64_t seed) {
  rng_ = core::Rng(seed, core::StreamKind::kEnvironment, instance_);
  StartEpisode(rng_, observation_);
  steps_ = 0;
  started_ = true;
  over_ = false;
  return observation_;
}

Canvas Environment::Render() const {
  if (!started_) throw std::logic_error(name_ + ": Render before Reset");
  const Eigen::Vector2i size = RenderSize();
  Canvas canvas(size.x(), size.y());
  Draw(canvas);
  return canvas;
}

StepResult Environment::Step(const Eigen::VectorXd& action) {
  if (!started_) throw std::logic_error(name_ + ": Step before Reset");
  if (over_) throw std::logic_error(name_ + ": Step after the episode ended; call Reset");
  if (action.size() != action_space_.Dimension())
    throw std::invalid_argument(name_ + ": an action has " + std::to_string(action_space_.Dimension()) + " entries, not " +
                                std::to_string(action.size()));
  if (action_space_.IsDiscrete()) {
    if (!action_space_.Contains(action))
      throw std::invalid_argument(name_ + ": action " + std::to_string(action[0]) + " is not one of 0.." +
                                  std::to_string(action_space_.discrete - 1));
    clipped_ = action;
  } else {
    if (!action.allFinite()) throw std::invalid_argument(name_ + ": an action must be finite");
    clipped_ = action.cwiseMax(action_space_.low).cwiseMin(action_space_.high);
  }
  const Transition t = Advance(clipped_, rng_, observation_);
  ++steps_;
  // As Gymnasium's TimeLimit: the last allowed step is truncated even if it also terminated.
  StepResult r{t.reward, t.terminated, steps_ >= time_limit_};
  over_ = r.terminated || r.truncated;
  return r;
}

}  // namespace pmlab::envs
