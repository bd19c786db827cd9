#pragma once
// PointNav-v0: the 2-D navigation task of MAML's meta-RL experiments (Finn, Abbeel & Levine
// 2017, Sec. 5.3), as a Box2D point mass: the agent starts at the origin, its action is a
// velocity in [-0.1, 0.1]^2 held for one step of 1 s, its reward the negative distance to the
// goal after the move; the episode terminates within 0.01 of the goal in both coordinates and is
// truncated at 100 steps. The goal is the task parameter.
#include <memory>

#include "envs/environment.h"

class b2Body;
class b2World;

namespace pmlab::envs {

struct PointNavOptions {
  double goal_x = 0.25;  ///< goal position (m); default 0.25
  double goal_y = 0.25;  ///< goal position (m); default 0.25
};

class PointNav final : public Environment {
 public:
  explicit PointNav(PointNavOptions options = {}, std::uint64_t instance = 0);
  ~PointNav() override;

  static constexpr double kMaxSpeed = 0.1, kGoalTolerance = 0.01;

  Eigen::Vector2i RenderSize() const override { return {400, 400}; }

 private:
  void StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) override;
  Transition Advance(const Eigen::VectorXd& action, core::Rng& rng, Eigen::VectorXd& observation) override;
  void Draw(Canvas& canvas) const override;

  PointNavOptions options_;
  std::unique_ptr<b2World> world_;
  b2Body* point_ = nullptr;
};

}  // namespace pmlab::envs
