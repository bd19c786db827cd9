#pragma once
// An environment with Gymnasium's semantics: Reset(seed) starts an episode and returns the
// first observation; Step(action) returns the reward and whether the episode ended, telling a
// true end of the MDP (terminated) from the time limit (truncated). The step count, the time
// limit and the refusal to step an ended episode live here once; an environment implements
// only its physics and reward (StartEpisode, Advance).
//
// Each instance owns its random stream, drawn from the seed and the instance's id, so the same
// seed and the same actions give the same trajectory bit for bit.
#include <cstdint>
#include <optional>
#include <string>

#include <Eigen/Dense>

#include "core/opt/rng.h"
#include "envs/canvas.h"
#include "envs/space.h"

namespace pmlab::envs {

/// What one step of an environment returns.
struct StepResult {
  double reward = 0;  ///< the reward of the step
  bool terminated = false;  ///< the MDP ended (crash, landing, pole fallen)
  bool truncated = false;   ///< the time limit ended the episode
};

/// An environment with Gymnasium's semantics (see the file comment).
class Environment {
 public:
  /// `time_limit` >= 1 steps per episode; `instance` tells apart environments that share seeds.
  Environment(std::string name, Space observation_space, Space action_space, int time_limit, std::uint64_t instance);
  virtual ~Environment() = default;
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  /// Starts a fresh episode whose randomness comes from (seed, instance).
  const Eigen::VectorXd& Reset(std::uint64_t seed);

  /// One step. Throws std::logic_error before the first Reset or after the episode ended, and
  /// std::invalid_argument for an action outside a discrete space or of the wrong size (box
  /// actions are clipped to their bounds, as Gymnasium's environments do).
  StepResult Step(const Eigen::VectorXd& action);

  /// The current observation.
  const Eigen::VectorXd& observation() const { return observation_; }
  /// Its name, or spec.
  const std::string& name() const { return name_; }
  /// Its observation space.
  const Space& observation_space() const { return observation_space_; }
  /// Its action space.
  const Space& action_space() const { return action_space_; }
  /// Steps per episode at most.
  int time_limit() const { return time_limit_; }
  /// Gymnasium's max_episode_steps: a different time limit (>= 1).
  void set_time_limit(int steps);
  /// Steps of the current episode.
  int steps() const { return steps_; }
  /// Whether the episode ended.
  bool episode_over() const { return over_; }

  /// Gymnasium's reward_threshold: the mean return at which it counts as solved (475
  /// CartPole, 200 LunarLander, 300 BipedalWalker), or none.
  virtual std::optional<double> solved_at() const { return std::nullopt; }

  /// Size in pixels of the images Render draws.
  virtual Eigen::Vector2i RenderSize() const = 0;
  /// The current state as an image: bodies as filled polygons, terrain, goal.
  Canvas Render() const;

 protected:
  /// What Advance reports; the time limit is applied by the base class.
  struct Transition {
    double reward = 0;  ///< the reward of the step
    bool terminated = false;  ///< whether the MDP ended
  };

  /// Builds the episode's start from `rng` (kept for the episode) and writes the observation.
  virtual void StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) = 0;
  /// Advances by `action` (already clipped or checked) and writes the new observation.
  virtual Transition Advance(const Eigen::VectorXd& action, core::Rng& rng, Eigen::VectorXd& observation) = 0;
  /// Draws the current state on a canvas of RenderSize(); called only after a Reset.
  virtual void Draw(Canvas& canvas) const = 0;

 private:
  std::string name_;
  Space observation_space_, action_space_;
  int time_limit_;
  std::uint64_t instance_;
  core::Rng rng_;
  Eigen::VectorXd observation_, clipped_;
  int steps_ = 0;
  bool started_ = false;
  bool over_ = false;
};

}  // namespace pmlab::envs
