#pragma once
// BipedalWalker-v3 on Box2D 2.4, following the rules and constants of Gymnasium 1.0's
// box2d/bipedal_walker.py (originally by Oleg Klimov): a hull on two legs of two segments,
// 4 motors driven at full speed in the action's direction with torque 80 |a|, 50 steps per
// second of world.Step(1/50, 180, 60), a 24-dimensional observation (hull angle and speeds,
// joint angles and speeds, lower-leg contacts, 10 lidar fractions to the closest ground), reward
// the change of 130 x / SCALE - 5 |hull angle| minus 0.00035 * 80 * |a| per motor, -100 when the
// hull touches the ground or the walker leaves to the left, the end of the terrain terminates,
// time limit 1600 (2000 in hardcore). Normal terrain is grass; `hardcore` adds stumps, stairs and
// pits. Gymnasium's decorative clouds are not drawn.
//
// BipedalWalkerVelocity-v0 is meta-RL's locomotion task on it, as MAML's HalfCheetah with a goal
// velocity: the progress term 130 dx / SCALE becomes 130 dt / SCALE (v* - |v - v*|), v the hull's
// forward speed after the step and v* the task's target (m/s), so that the reward is the same
// as Gymnasium's below the target and falls as fast again above it.
#include <array>
#include <limits>
#include <memory>
#include <vector>

#include "envs/environment.h"

class b2Body;
class b2RevoluteJoint;
class b2World;

namespace pmlab::envs {

struct BipedalWalkerOptions {
  bool hardcore = false;  ///< stumps, stairs and pits; time limit 2000; default false
  /// v* (m/s) of BipedalWalkerVelocity-v0; NaN: Gymnasium's progress reward
  double target_velocity = std::numeric_limits<double>::quiet_NaN();
};

class BipedalWalker final : public Environment {
 public:
  explicit BipedalWalker(BipedalWalkerOptions options = {}, std::uint64_t instance = 0);
  ~BipedalWalker() override;

  /// Each upper leg's tilt against the hull (rad), left leg first; valid after a Reset. The
  /// hip limits count from the tilt a leg was built with (+-0.05), as in Gymnasium.
  std::array<double, 2> HipTilts() const;
  /// The hull's x position (m, Box2D's float32), from which the shaping reward is computed.
  float HullX() const;

  std::optional<double> solved_at() const override { return 300; }
  Eigen::Vector2i RenderSize() const override { return {600, 400}; }

  static constexpr double kFps = 50, kScale = 30, kMotorsTorque = 80, kSpeedHip = 4, kSpeedKnee = 6;
  static constexpr double kLidarRange = 160 / kScale, kInitialRandom = 5;
  static constexpr double kLegDown = -8 / kScale, kLegW = 8 / kScale, kLegH = 34 / kScale;
  static constexpr double kViewportW = 600, kViewportH = 400, kTerrainStep = 14 / kScale, kTerrainHeight = kViewportH / kScale / 4;
  static constexpr int kTerrainLength = 200, kTerrainGrass = 10, kTerrainStartpad = 20;
  static constexpr double kFriction = 2.5;

 private:
  class ContactDetector;

  void StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) override;
  Transition Advance(const Eigen::VectorXd& action, core::Rng& rng, Eigen::VectorXd& observation) override;
  void Draw(Canvas& canvas) const override;
  void GenerateTerrain(core::Rng& rng);
  void AddTerrainPolygon(const std::array<Eigen::Vector2d, 4>& corners);

  BipedalWalkerOptions options_;
  std::unique_ptr<ContactDetector> contacts_;
  std::unique_ptr<b2World> world_;
  b2Body* hull_ = nullptr;
  std::array<b2Body*, 4> legs_{};  // upper and lower leg, left then right
  std::array<b2RevoluteJoint*, 4> joints_{};  // hip and knee, left then right
  std::vector<Eigen::Vector2d> surface_;      // the ground's corners (m), for drawing
  std::vector<std::array<Eigen::Vector2d, 4>> obstacles_;  // stumps, stair steps, pit walls
  double previous_shaping_ = 0;
  bool has_previous_shaping_ = false;
};

}  // namespace pmlab::envs
