#pragma once
// Pendulum-v1 with Gymnasium's classic-control equations (Gymnasium 1.0,
// classic_control/pendulum.py): a torque-limited swing-up, dt = 0.05 s, torque in [-2, 2],
// speed clipped to [-8, 8], reward -(theta^2 + 0.1 theta_dot^2 + 0.001 u^2) with theta
// normalised to [-pi, pi), never terminates, time limit 200.
#include "envs/environment.h"

namespace pmlab::envs {

struct PendulumOptions {
  double gravity = 10.0;  ///< g (m/s^2); default 10
};

class Pendulum final : public Environment {
 public:
  explicit Pendulum(PendulumOptions options = {}, std::uint64_t instance = 0);

  static constexpr double kMaxSpeed = 8, kMaxTorque = 2, kDt = 0.05, kMass = 1, kLength = 1;

  Eigen::Vector2i RenderSize() const override { return {500, 500}; }

 private:
  void StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) override;
  Transition Advance(const Eigen::VectorXd& action, core::Rng& rng, Eigen::VectorXd& observation) override;
  void Draw(Canvas& canvas) const override;
  void Observe(Eigen::VectorXd& observation) const;

  PendulumOptions options_;
  double theta_ = 0, theta_dot_ = 0;
};

}  // namespace pmlab::envs
