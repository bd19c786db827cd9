#pragma once
// LunarLander-v3, discrete and continuous, on Box2D 2.4, following the rules and constants of
// Gymnasium 1.0's box2d/lunar_lander.py (originally by Oleg Klimov): 50 steps per second of
// world.Step(1/50, 180, 60), SCALE 30, main engine 13 and side engines 0.6 (impulses at
// randomly dispersed points), an initial random force of up to 1000 in each axis, terrain of
// 11 chunks with a flat helipad between the flags, shaping reward
//   -100 |position| - 100 |velocity| - 100 |angle| + 10 per leg on the ground
// (per step its change) minus 0.3 per main-engine and 0.03 per side-engine firing at full
// power, -100 on crash or leaving the screen sideways, +100 once the lander falls asleep,
// optional wind and turbulence, a fresh world on every reset, time limit 1000. As in
// Gymnasium, Reset takes one step without firing and returns its observation. Exhaust
// particles, which never touch the lander, exist only for rendering and are not simulated.
#include <array>
#include <memory>

#include "envs/environment.h"

class b2Body;
class b2World;

namespace pmlab::envs {

struct LunarLanderOptions {
  bool continuous = false;        ///< actions: Discrete(4) or Box(2) in [-1, 1]; default false
  double gravity = -10.0;         ///< in (-12, 0); default -10
  bool enable_wind = false;       ///< wind and turbulence; default false
  double wind_power = 15.0;       ///< peak lateral wind force, recommended [0, 20]; default 15
  double turbulence_power = 1.5;  ///< peak wind torque, recommended [0, 2]; default 1.5
};

class LunarLander final : public Environment {
 public:
  explicit LunarLander(LunarLanderOptions options = {}, std::uint64_t instance = 0);
  ~LunarLander() override;

  /// The shaping term of an observation: the potential whose change each step's reward is.
  static double Shaping(const Eigen::VectorXd& observation);

  /// Each leg's tilt against the body (rad), left leg first; valid after a Reset. The joint
  /// limits count from the tilt a leg was built with (+-0.05), as in Gymnasium.
  std::array<double, 2> LegTilts() const;

  std::optional<double> solved_at() const override { return 200; }
  Eigen::Vector2i RenderSize() const override { return {600, 400}; }

  static constexpr double kFps = 50, kScale = 30, kMainEnginePower = 13, kSideEnginePower = 0.6, kInitialRandom = 1000;
  static constexpr double kViewportW = 600, kViewportH = 400, kLegAway = 20, kLegDown = 18, kLegW = 2, kLegH = 8;
  static constexpr double kLegSpringTorque = 40, kSideEngineHeight = 14, kSideEngineAway = 12;
  static constexpr int kChunks = 11;

 private:
  class ContactDetector;

  void StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) override;
  Transition Advance(const Eigen::VectorXd& action, core::Rng& rng, Eigen::VectorXd& observation) override;
  void Draw(Canvas& canvas) const override;
  // Fires the engines (powers in [0, 1]) and steps the world; writes the observation.
  Transition Physics(double main_power, double side_power, double direction, core::Rng& rng, Eigen::VectorXd& observation);

  LunarLanderOptions options_;
  std::unique_ptr<ContactDetector> contacts_;
  std::unique_ptr<b2World> world_;
  b2Body* lander_ = nullptr;
  std::array<b2Body*, 2> legs_{};
  double helipad_y_ = 0;
  std::array<Eigen::Vector2d, kChunks> terrain_{};  // the surface's corners (m), for drawing
  double previous_shaping_ = 0;
  bool has_previous_shaping_ = false;
  std::int64_t wind_index_ = 0, torque_index_ = 0;
};

}  // namespace pmlab::envs
