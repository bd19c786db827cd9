#include "envs/pendulum.h"

#include "envs/registry.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace pmlab::envs {

Pendulum::Pendulum(PendulumOptions options, std::uint64_t instance)
    : Environment("Pendulum-v1", Space::Box(Eigen::Vector3d(-1, -1, -kMaxSpeed), Eigen::Vector3d(1, 1, kMaxSpeed)),
                  Space::Box(Eigen::VectorXd::Constant(1, -kMaxTorque), Eigen::VectorXd::Constant(1, kMaxTorque)), 200, instance),
      options_(options) {
  if (!std::isfinite(options.gravity)) throw std::invalid_argument("Pendulum-v1: g must be finite");
}

void Pendulum::Observe(Eigen::VectorXd& observation) const { observation << std::cos(theta_), std::sin(theta_), theta_dot_; }

void Pendulum::StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) {
  theta_ = rng.Uniform(-std::numbers::pi, std::numbers::pi);
  theta_dot_ = rng.Uniform(-1.0, 1.0);
  Observe(observation);
}

Environment::Transition Pendulum::Advance(const Eigen::VectorXd& action, core::Rng& /*rng*/, Eigen::VectorXd& observation) {
  const double u = action[0];
  // The cost is of the state before the step, with the angle wrapped to [-pi, pi).
  const double wrapped = std::fmod(std::fmod(theta_ + std::numbers::pi, 2 * std::numbers::pi) + 2 * std::numbers::pi, 2 * std::numbers::pi) -
                         std::numbers::pi;
  const double cost = wrapped * wrapped + 0.1 * theta_dot_ * theta_dot_ + 0.001 * u * u;
  double speed = theta_dot_ + (3 * options_.gravity / (2 * kLength) * std::sin(theta_) + 3.0 / (kMass * kLength * kLength) * u) * kDt;
  speed = std::clamp(speed, -kMaxSpeed, kMaxSpeed);
  theta_ += speed * kDt;
  theta_dot_ = speed;
  Observe(observation);
  return {-cost, false};
}

void Pendulum::Draw(Canvas& canvas) const {
  // Gymnasium's picture: 4.4 m across, a red rod of 1 m from the centre, a black axle.
  const double scale = canvas.width() / 4.4, width = 0.2 * scale;
  const Eigen::Vector2d axle(canvas.width() / 2.0, canvas.height() / 2.0);
  const Eigen::Vector2d end = axle + kLength * scale * Eigen::Vector2d(-std::sin(theta_), std::cos(theta_));
  const Rgb rod{204, 77, 77};
  canvas.Line(axle, end, width, rod);
  canvas.FillCircle(axle, width / 2, rod);
  canvas.FillCircle(end, width / 2, rod);
  canvas.FillCircle(axle, 0.05 * scale, {0, 0, 0});
}

namespace {

PMLAB_REGISTER(Environments(), "Pendulum-v1", "Swing a torque-limited pendulum up (Gymnasium's equations)", [](Spec& spec) {
  PendulumOptions o;
  spec.Number("g", &o.gravity, 0, 100, "gravitational acceleration (m/s^2), Gymnasium's keyword g");
  return [o](std::uint64_t instance) -> std::unique_ptr<Environment> { return std::make_unique<Pendulum>(o, instance); };
});

}  // namespace

}  // namespace pmlab::envs
