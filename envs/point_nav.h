#pragma once
// PointNav-v0: the 2-D navigation task of MAML's meta-RL experiments (Finn, Abbeel & Levine
// 2017, Sec. 5.3), a point mass: the agent starts at the origin, its action a in
// [-1, 1]^2 commands the velocity 0.1 a, held for one step of 1 s, its reward is the negative
// distance to the goal after the move; the episode terminates within 0.01 of the goal in both
// coordinates and is truncated at 100 steps. The goal is the task parameter. The action is in
// units of the speed limit because MAML's experiment wrapped the environment in rllab's
// normalize(), which maps [-1, 1] onto the velocity bounds [-0.1, 0.1]: a unit-variance Gaussian
// policy then starts with a useful spread of speeds rather than bang-bang moves at the limit.
//
// It was a Box2D body; with no gravity, damping, forces or contacts Box2D's step of 1 s moves it
// by exactly its velocity in float arithmetic, p += v, so that sum is all a step does now: the
// same trajectories bit for bit (tested against a Box2D world), at a fraction of the cost.
#include <memory>
#include <vector>

#include "envs/environment.h"

namespace pmlab::envs {

struct PointNavOptions {
  double goal_x = 0.25;  ///< goal position (m); default 0.25
  double goal_y = 0.25;  ///< goal position (m); default 0.25
};

class PointNav final : public Environment {
 public:
  explicit PointNav(PointNavOptions options = {}, std::uint64_t instance = 0);

  static constexpr double kMaxSpeed = 0.1, kGoalTolerance = 0.01;  ///< speed for |a| = 1 (m/s); goal tolerance (m)

  Eigen::Vector2i RenderSize() const override { return {400, 400}; }

 private:
  void StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) override;
  Transition Advance(const Eigen::VectorXd& action, core::Rng& rng, Eigen::VectorXd& observation) override;
  void Draw(Canvas& canvas) const override;

  PointNavOptions options_;
  Eigen::Vector2f position_ = Eigen::Vector2f::Zero();  // float, as Box2D kept it
  std::vector<Eigen::Vector2d> path_;  // positions since the reset, for Draw
};

}  // namespace pmlab::envs
