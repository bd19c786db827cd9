#include "envs/cart_pole.h"

#include "envs/registry.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace pmlab::envs {
namespace {

Space ObservationSpace() {
  const double inf = std::numeric_limits<double>::infinity();
  Eigen::VectorXd high(4);
  high << 2 * CartPole::kXThreshold, inf, 2 * CartPole::kThetaThreshold, inf;
  return Space::Box(-high, high);
}

PMLAB_REGISTER(Environments(), "CartPole-v1", "Balance a pole on a cart (Gymnasium's equations); solved at 475", [](Spec& spec) {
  CartPoleOptions o;
  spec.Number("pole_length", &o.pole_length, 0.01, 100, "half the pole's length (m)");
  spec.Number("pole_mass", &o.pole_mass, 0.001, 1000, "pole mass (kg)");
  spec.Number("cart_mass", &o.cart_mass, 0.001, 1000, "cart mass (kg)");
  return [o](std::uint64_t instance) -> std::unique_ptr<Environment> { return std::make_unique<CartPole>(o, instance); };
});

}  // namespace

CartPole::CartPole(CartPoleOptions options, std::uint64_t instance)
    : Environment("CartPole-v1", ObservationSpace(), Space::Discrete(2), 500, instance), options_(options) {
  if (!(options.pole_length > 0) || !(options.pole_mass > 0) || !(options.cart_mass > 0))
    throw std::invalid_argument("CartPole-v1: pole_length, pole_mass and cart_mass must be > 0");
}

void CartPole::StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) {
  x_ = rng.Uniform(-0.05, 0.05);
  x_dot_ = rng.Uniform(-0.05, 0.05);
  theta_ = rng.Uniform(-0.05, 0.05);
  theta_dot_ = rng.Uniform(-0.05, 0.05);
  observation << x_, x_dot_, theta_, theta_dot_;
}

Environment::Transition CartPole::Advance(const Eigen::VectorXd& action, core::Rng& /*rng*/, Eigen::VectorXd& observation) {
  const double force = action[0] == 1 ? kForce : -kForce;
  const double total_mass = options_.pole_mass + options_.cart_mass;
  const double pole_mass_length = options_.pole_mass * options_.pole_length;
  const double cos_theta = std::cos(theta_), sin_theta = std::sin(theta_);
  const double temp = (force + pole_mass_length * theta_dot_ * theta_dot_ * sin_theta) / total_mass;
  const double theta_acc = (kGravity * sin_theta - cos_theta * temp) /
                           (options_.pole_length * (4.0 / 3.0 - options_.pole_mass * cos_theta * cos_theta / total_mass));
  const double x_acc = temp - pole_mass_length * theta_acc * cos_theta / total_mass;
  x_ += kTau * x_dot_;
  x_dot_ += kTau * x_acc;
  theta_ += kTau * theta_dot_;
  theta_dot_ += kTau * theta_acc;
  observation << x_, x_dot_, theta_, theta_dot_;
  const bool fallen = x_ < -kXThreshold || x_ > kXThreshold || theta_ < -kThetaThreshold || theta_ > kThetaThreshold;
  return {1.0, fallen};
}

void CartPole::Draw(Canvas& canvas) const {
  // Gymnasium's picture: 4.8 m of track across 600 pixels, a black cart, the pole in brown.
  const double scale = canvas.width() / (2 * kXThreshold), cart_x = x_ * scale + canvas.width() / 2.0, cart_y = 100;
  const double pole_length = scale * 2 * options_.pole_length, axle_y = cart_y + 30 / 4.0;
  canvas.Line({0, cart_y}, {static_cast<double>(canvas.width()), cart_y}, 1, {0, 0, 0});
  const Eigen::Vector2d cart[4] = {{cart_x - 25, cart_y - 15}, {cart_x + 25, cart_y - 15}, {cart_x + 25, cart_y + 15}, {cart_x - 25, cart_y + 15}};
  canvas.FillPolygon(cart, {0, 0, 0});
  const Eigen::Vector2d tip(cart_x + pole_length * std::sin(theta_), axle_y + pole_length * std::cos(theta_));
  canvas.Line({cart_x, axle_y}, tip, 10, {202, 152, 101});
  canvas.FillCircle({cart_x, axle_y}, 5, {129, 132, 203});
}

}  // namespace pmlab::envs
