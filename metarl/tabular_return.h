#pragma once
// The exact expected return of a policy on a tabular MDP (envs/tabular_mdp.h) and its gradient,
// by dynamic programming over the horizon:
//   d_0 = e_0,  d_{t+1}(s') = sum_{s,a} d_t(s) pi(a|s) P(s'|s,a),
//   Q_t(s,a) = R(s,a) + gamma sum_s' P(s'|s,a) V_{t+1}(s'),  V_t(s) = sum_a pi(a|s) Q_t(s,a),  V_H = 0,
//   J = V_0(0),  grad J = sum_{t,s,a} gamma^t d_t(s) pi(a|s) Q_t(s,a) grad log pi(a|s),
// the last the policy-gradient theorem summed rather than sampled: one surrogate pass of the
// policy over the S x A (state, action) columns with those weights. Any policy of the MDP's
// spaces works (the network sees the state one-hot), so the meta-RL estimators need no special
// case. Also the brute force the tests check it with: every episode and its probability.
#include <cstdint>
#include <functional>
#include <vector>

#include "envs/tabular_mdp.h"
#include "rl/batch_gradient.h"
#include "rl/policy.h"

namespace pmlab::rl {

/// J of the policy at `params` over the first `horizon` steps (at most the MDP's) with discount
/// `discount`, and grad J into `gradient`.
template <typename T>
double TabularReturn(const envs::TabularMdpModel& mdp, Policy<T>& policy, const Eigen::Ref<const typename Policy<T>::Vec>& params,
                     double discount, int horizon, Eigen::Ref<typename Policy<T>::Vec> gradient);

/// pi(a | s) of every state (row) and action (column).
template <typename T>
Eigen::MatrixXd TabularPolicy(const envs::TabularMdpModel& mdp, Policy<T>& policy, const Eigen::Ref<const typename Policy<T>::Vec>& params);

/// One episode of `horizon` steps: states s_0..s_{H-1} (s_0 = 0), actions, and the probability
/// of its transitions alone (the policy's part is the caller's).
struct TabularEpisode {
  std::vector<int> states, actions;
  double transition_probability = 1;
};

/// Calls `visit` with every episode of `horizon` steps whose transitions have positive
/// probability: A^H S^(H-1) of them at most.
void ForEachTabularEpisode(const envs::TabularMdpModel& mdp, int horizon, const std::function<void(const TabularEpisode&)>& visit);

/// Calls `visit` with every batch of `episodes` episodes of `horizon` steps (ordered tuples, as
/// E independent draws give them) and its probability under the policy at `params`, in the
/// layout a rollout gives. Returns false, visiting nothing, when there are more than `limit`,
/// or when the horizon cuts the MDP's episodes short.
bool ForEachTabularBatch(const envs::TabularMdpModel& mdp, Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, int horizon,
                         int episodes, std::int64_t limit, const std::function<void(const EpisodeBatch&, double probability)>& visit);

extern template double TabularReturn<float>(const envs::TabularMdpModel&, Policy<float>&, const Eigen::Ref<const core::Vector>&, double, int,
                                            Eigen::Ref<core::Vector>);
extern template double TabularReturn<double>(const envs::TabularMdpModel&, Policy<double>&, const Eigen::Ref<const Eigen::VectorXd>&, double,
                                             int, Eigen::Ref<Eigen::VectorXd>);
extern template Eigen::MatrixXd TabularPolicy<float>(const envs::TabularMdpModel&, Policy<float>&, const Eigen::Ref<const core::Vector>&);
extern template Eigen::MatrixXd TabularPolicy<double>(const envs::TabularMdpModel&, Policy<double>&, const Eigen::Ref<const Eigen::VectorXd>&);

}  // namespace pmlab::rl
