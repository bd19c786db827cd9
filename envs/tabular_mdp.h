#pragma once
// TabularMdp-v0: a random finite MDP of S states and A actions whose episodes last exactly H
// steps, the meta-RL family whose expected return and its gradient are computed exactly
// (metarl/tabular_return.h), so that the bias of a meta-gradient estimator is measured against
// the truth rather than against another estimate. The task parameter `mdp` seeds the tables:
// each row P(. | s, a) is drawn from a flat Dirichlet and each reward R(s, a) uniformly from
// [-1, 1]; episodes start in state 0. The observation is the state one-hot, so a linear
// categorical policy (--hidden none) is a tabular softmax policy.
#include <cstdint>

#include "envs/environment.h"

namespace pmlab::envs {

/// The tables of one MDP.
struct TabularMdpModel {
  int states = 0, actions = 0, horizon = 0;
  Eigen::MatrixXd transitions;  ///< row s * actions + a: P(s' | s, a) over s'
  Eigen::MatrixXd rewards;      ///< states x actions: R(s, a)

  /// The MDP that `seed` draws.
  static TabularMdpModel Generate(int states, int actions, int horizon, std::uint64_t seed);
};

struct TabularMdpOptions {
  std::int64_t states = 2, actions = 2, horizon = 3;
  std::int64_t mdp = 0;  ///< the seed of the tables
};

class TabularMdp final : public Environment {
 public:
  explicit TabularMdp(const TabularMdpOptions& options, std::uint64_t instance = 0);

  const TabularMdpModel& model() const { return model_; }
  Eigen::Vector2i RenderSize() const override { return {400, 120}; }

 private:
  void StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) override;
  Transition Advance(const Eigen::VectorXd& action, core::Rng& rng, Eigen::VectorXd& observation) override;
  void Draw(Canvas& canvas) const override;

  TabularMdpModel model_;
  int state_ = 0, step_ = 0;
};

}  // namespace pmlab::envs
