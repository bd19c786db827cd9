#include "envs/tabular_mdp.h"

#include <cmath>
#include <stdexcept>

#include "envs/registry.h"

namespace pmlab::envs {

TabularMdpModel TabularMdpModel::Generate(int states, int actions, int horizon, std::uint64_t seed) {
  TabularMdpModel m{states, actions, horizon, Eigen::MatrixXd(states * actions, states), Eigen::MatrixXd(states, actions)};
  core::Rng rng(seed);
  for (Eigen::Index row = 0; row < m.transitions.rows(); ++row) {
    // A flat Dirichlet is normalised exponential draws.
    for (int s = 0; s < states; ++s) m.transitions(row, s) = -std::log(1.0 - rng.Uniform());
    m.transitions.row(row) /= m.transitions.row(row).sum();
  }
  for (int s = 0; s < states; ++s)
    for (int a = 0; a < actions; ++a) m.rewards(s, a) = rng.Uniform(-1, 1);
  return m;
}

TabularMdp::TabularMdp(const TabularMdpOptions& o, std::uint64_t instance)
    : Environment("TabularMdp-v0", Space::Box(Eigen::VectorXd::Zero(o.states), Eigen::VectorXd::Ones(o.states)),
                  Space::Discrete(static_cast<int>(o.actions)), static_cast<int>(o.horizon), instance),
      model_(TabularMdpModel::Generate(static_cast<int>(o.states), static_cast<int>(o.actions), static_cast<int>(o.horizon),
                                       static_cast<std::uint64_t>(o.mdp))) {}

void TabularMdp::StartEpisode(core::Rng& /*rng*/, Eigen::VectorXd& observation) {
  state_ = 0;
  step_ = 0;
  observation = Eigen::VectorXd::Unit(model_.states, 0);
}

Environment::Transition TabularMdp::Advance(const Eigen::VectorXd& action, core::Rng& rng, Eigen::VectorXd& observation) {
  const int a = static_cast<int>(action[0]);
  const double reward = model_.rewards(state_, a);
  // Inverse CDF of the row; the last state takes what rounding leaves.
  const auto row = model_.transitions.row(state_ * model_.actions + a);
  double u = rng.Uniform();
  int next = model_.states - 1;
  for (int s = 0; s + 1 < model_.states; ++s) {
    u -= row[s];
    if (u < 0) {
      next = s;
      break;
    }
  }
  state_ = next;
  ++step_;
  observation = Eigen::VectorXd::Unit(model_.states, state_);
  return {reward, step_ == model_.horizon};
}

void TabularMdp::Draw(Canvas& canvas) const {
  // The states in a row, the current one filled.
  const double gap = canvas.width() / (model_.states + 1.0);
  for (int s = 0; s < model_.states; ++s) {
    const Eigen::Vector2d centre(gap * (s + 1), canvas.height() / 2.0);
    canvas.FillCircle(centre, 0.3 * std::min(gap, canvas.height() / 2.0), {190, 190, 190});
    if (s == state_) canvas.FillCircle(centre, 0.25 * std::min(gap, canvas.height() / 2.0), {50, 50, 200});
  }
}

namespace {

PMLAB_REGISTER(Environments(), "TabularMdp-v0", "a random MDP of a few states and actions whose return is known exactly (meta-RL bias)",
               [](Spec& spec) {
                 TabularMdpOptions o;
                 spec.Integer("states", &o.states, 1, 64, "S: states");
                 spec.Integer("actions", &o.actions, 2, 64, "A: actions");
                 spec.Integer("horizon", &o.horizon, 1, 1000, "H: steps of every episode");
                 spec.Integer("mdp", &o.mdp, 0, std::int64_t{1} << 53, "seed of the transition and reward tables");
                 return [o](std::uint64_t instance) -> std::unique_ptr<Environment> { return std::make_unique<TabularMdp>(o, instance); };
               });

}  // namespace

}  // namespace pmlab::envs
