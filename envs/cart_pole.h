#pragma once
// CartPole-v1 with Gymnasium's classic-control equations (Gymnasium 1.0,
// classic_control/cartpole.py, after Barto, Sutton & Anderson 1983): explicit Euler steps of
// 0.02 s, force +-10 N, termination when |x| > 2.4 or |theta| > 12 degrees, reward 1 per step
// (the terminating step included), time limit 500; solved at an average return of 475.
#include "envs/environment.h"

namespace pmlab::envs {

struct CartPoleOptions {
  double pole_length = 0.5;  ///< half the pole's length (m), Gymnasium's `length`; default 0.5
  double pole_mass = 0.1;    ///< kg; default 0.1
  double cart_mass = 1.0;    ///< kg; default 1.0
};

class CartPole final : public Environment {
 public:
  explicit CartPole(CartPoleOptions options = {}, std::uint64_t instance = 0);

  static constexpr double kGravity = 9.8, kForce = 10.0, kTau = 0.02, kXThreshold = 2.4;
  static constexpr double kThetaThreshold = 12 * 2 * 3.14159265358979323846 / 360;

  std::optional<double> solved_at() const override { return 475; }
  Eigen::Vector2i RenderSize() const override { return {600, 400}; }

 private:
  void StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) override;
  Transition Advance(const Eigen::VectorXd& action, core::Rng& rng, Eigen::VectorXd& observation) override;
  void Draw(Canvas& canvas) const override;

  CartPoleOptions options_;
  double x_ = 0, x_dot_ = 0, theta_ = 0, theta_dot_ = 0;
};

}  // namespace pmlab::envs
