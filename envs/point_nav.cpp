#include "envs/point_nav.h"

#include "envs/registry.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace pmlab::envs {

PointNav::PointNav(PointNavOptions options, std::uint64_t instance)
    : Environment("PointNav-v0",
                  Space::Box(Eigen::VectorXd::Constant(2, -std::numeric_limits<double>::infinity()),
                             Eigen::VectorXd::Constant(2, std::numeric_limits<double>::infinity())),
                  Space::Box(Eigen::VectorXd::Constant(2, -1), Eigen::VectorXd::Constant(2, 1)), 100, instance),
      options_(options) {
  if (!std::isfinite(options.goal_x) || !std::isfinite(options.goal_y)) throw std::invalid_argument("PointNav-v0: the goal must be finite");
  path_.reserve(static_cast<std::size_t>(time_limit()) + 1);
}

void PointNav::StartEpisode(core::Rng& /*rng*/, Eigen::VectorXd& observation) {
  position_.setZero();
  observation.setZero();
  path_.assign(1, Eigen::Vector2d::Zero());
}

Environment::Transition PointNav::Advance(const Eigen::VectorXd& action, core::Rng& /*rng*/, Eigen::VectorXd& observation) {
  // The velocity as Box2D's float vector held it, integrated over the step of 1 s.
  position_.x() += static_cast<float>(kMaxSpeed * action[0]);
  position_.y() += static_cast<float>(kMaxSpeed * action[1]);
  observation << position_.x(), position_.y();
  path_.emplace_back(position_.x(), position_.y());
  const double dx = position_.x() - options_.goal_x, dy = position_.y() - options_.goal_y;
  return {-std::sqrt(dx * dx + dy * dy), std::abs(dx) < kGoalTolerance && std::abs(dy) < kGoalTolerance};
}

void PointNav::Draw(Canvas& canvas) const {
  // [-1, 1]^2 across the canvas, y up: grey axes, the goal in green with its tolerance, the path
  // so far in light blue, the point in blue.
  const double scale = canvas.width() / 2.0;
  const Eigen::Vector2d centre(canvas.width() / 2.0, canvas.height() / 2.0);
  const auto pixel = [&](double x, double y) { return Eigen::Vector2d(centre.x() + scale * x, centre.y() - scale * y); };
  canvas.Line({0, centre.y()}, {static_cast<double>(canvas.width()), centre.y()}, 1, {200, 200, 200});
  canvas.Line({centre.x(), 0}, {centre.x(), static_cast<double>(canvas.height())}, 1, {200, 200, 200});
  canvas.FillCircle(pixel(options_.goal_x, options_.goal_y), 6, {0, 170, 0});
  for (std::size_t i = 1; i < path_.size(); ++i)
    canvas.Line(pixel(path_[i - 1].x(), path_[i - 1].y()), pixel(path_[i].x(), path_[i].y()), 2, {150, 170, 230});
  canvas.FillCircle(pixel(position_.x(), position_.y()), 5, {50, 50, 200});
}

namespace {

PMLAB_REGISTER(Environments(), "PointNav-v0", "MAML's 2-D navigation to a goal, a point mass", [](Spec& spec) {
  PointNavOptions o;
  spec.Number("goal_x", &o.goal_x, -100, 100, "goal position x");
  spec.Number("goal_y", &o.goal_y, -100, 100, "goal position y");
  return [o](std::uint64_t instance) -> std::unique_ptr<Environment> { return std::make_unique<PointNav>(o, instance); };
});

}  // namespace

}  // namespace pmlab::envs
