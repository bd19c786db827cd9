#include "metarl/tabular_return.h"

#include <algorithm>
#include <cmath>

namespace pmlab::rl {
namespace {

// The S x A (state, action) columns: observations one-hot, actions their index.
template <typename T>
void StateActionColumns(const envs::TabularMdpModel& mdp, typename Policy<T>::Mat& observations, typename Policy<T>::Mat& actions) {
  const int n = mdp.states * mdp.actions;
  observations.setZero(mdp.states, n);
  actions.resize(1, n);
  for (int s = 0; s < mdp.states; ++s)
    for (int a = 0; a < mdp.actions; ++a) {
      observations(s, s * mdp.actions + a) = 1;
      actions(0, s * mdp.actions + a) = static_cast<T>(a);
    }
}

// pi(a | s) from the policy's log-probabilities of those columns.
template <typename T>
Eigen::MatrixXd PolicyTable(const envs::TabularMdpModel& mdp, Policy<T>& policy, const Eigen::Ref<const typename Policy<T>::Vec>& params,
                            const typename Policy<T>::Mat& observations, const typename Policy<T>::Mat& actions) {
  typename Policy<T>::Vec log_probs, entropies;
  policy.LogProbabilities(params, observations, actions, log_probs, entropies);
  Eigen::MatrixXd pi(mdp.states, mdp.actions);
  for (int s = 0; s < mdp.states; ++s)
    for (int a = 0; a < mdp.actions; ++a) pi(s, a) = std::exp(static_cast<double>(log_probs[s * mdp.actions + a]));
  return pi;
}

}  // namespace

template <typename T>
Eigen::MatrixXd TabularPolicy(const envs::TabularMdpModel& mdp, Policy<T>& policy, const Eigen::Ref<const typename Policy<T>::Vec>& params) {
  typename Policy<T>::Mat observations, actions;
  StateActionColumns<T>(mdp, observations, actions);
  return PolicyTable<T>(mdp, policy, params, observations, actions);
}

template <typename T>
double TabularReturn(const envs::TabularMdpModel& mdp, Policy<T>& policy, const Eigen::Ref<const typename Policy<T>::Vec>& params,
                     double discount, int horizon, Eigen::Ref<typename Policy<T>::Vec> gradient) {
  const int h = std::min(horizon, mdp.horizon);
  const int S = mdp.states, A = mdp.actions;
  // The same S x A columns give pi and, weighted, the gradient.
  typename Policy<T>::Mat observations, actions;
  StateActionColumns<T>(mdp, observations, actions);
  const Eigen::MatrixXd pi = PolicyTable<T>(mdp, policy, params, observations, actions);
  // Occupancies d_t, forward.
  Eigen::MatrixXd d(S, h);
  d.col(0) = Eigen::VectorXd::Unit(S, 0);
  for (int t = 0; t + 1 < h; ++t) {
    Eigen::VectorXd next = Eigen::VectorXd::Zero(S);
    for (int s = 0; s < S; ++s)
      for (int a = 0; a < A; ++a) next += d(s, t) * pi(s, a) * mdp.transitions.row(s * A + a).transpose();
    d.col(t + 1) = next;
  }
  // Q_t backward, accumulating the weights gamma^t d_t(s) pi(a|s) Q_t(s,a).
  Eigen::VectorXd v = Eigen::VectorXd::Zero(S), q_row(A);
  Eigen::MatrixXd weight = Eigen::MatrixXd::Zero(S, A);
  for (int t = h; t-- > 0;) {
    const double discount_t = std::pow(discount, t);
    Eigen::VectorXd v_t(S);
    for (int s = 0; s < S; ++s) {
      for (int a = 0; a < A; ++a) q_row[a] = mdp.rewards(s, a) + discount * mdp.transitions.row(s * A + a).dot(v);
      v_t[s] = pi.row(s).dot(q_row);
      weight.row(s) += discount_t * d(s, t) * pi.row(s).cwiseProduct(q_row.transpose());
    }
    v = v_t;
  }
  typename Policy<T>::Vec w(S * A);
  for (int s = 0; s < S; ++s)
    for (int a = 0; a < A; ++a) w[s * A + a] = static_cast<T>(weight(s, a));
  policy.Surrogate(params, observations, actions, w, 0, gradient);
  return v[0];
}

void ForEachTabularEpisode(const envs::TabularMdpModel& mdp, int horizon, const std::function<void(const TabularEpisode&)>& visit) {
  const int h = std::min(horizon, mdp.horizon);
  TabularEpisode episode;
  episode.states.assign(static_cast<std::size_t>(h), 0);
  episode.actions.assign(static_cast<std::size_t>(h), 0);
  // Depth-first over (a_t, s_{t+1}); the last step's next state does not enter the episode.
  const std::function<void(int, double)> extend = [&](int t, double probability) {
    for (int a = 0; a < mdp.actions; ++a) {
      episode.actions[static_cast<std::size_t>(t)] = a;
      if (t + 1 == h) {
        episode.transition_probability = probability;
        visit(episode);
        continue;
      }
      const auto row = mdp.transitions.row(episode.states[static_cast<std::size_t>(t)] * mdp.actions + a);
      for (int s = 0; s < mdp.states; ++s) {
        if (row[s] == 0) continue;
        episode.states[static_cast<std::size_t>(t) + 1] = s;
        extend(t + 1, probability * row[s]);
      }
    }
  };
  if (h > 0) extend(0, 1.0);
}

bool ForEachTabularBatch(const envs::TabularMdpModel& mdp, Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, int horizon,
                         int episodes, std::int64_t limit, const std::function<void(const EpisodeBatch&, double probability)>& visit) {
  if (horizon < mdp.horizon) return false;  // truncated episodes would need the state after their last step
  // At most A^H S^(H-1) episodes, so at most that to the E batches: checked before any is listed.
  const double most = std::pow(static_cast<double>(mdp.actions), mdp.horizon) * std::pow(static_cast<double>(mdp.states), mdp.horizon - 1);
  if (std::pow(most, episodes) > static_cast<double>(limit)) return false;
  std::vector<TabularEpisode> all;
  ForEachTabularEpisode(mdp, horizon, [&](const TabularEpisode& e) { all.push_back(e); });
  if (all.empty()) return false;
  const Eigen::MatrixXd pi = TabularPolicy<float>(mdp, policy, params);
  std::vector<double> probability(all.size());
  for (std::size_t k = 0; k < all.size(); ++k) {
    probability[k] = all[k].transition_probability;
    for (std::size_t t = 0; t < all[k].actions.size(); ++t) probability[k] *= pi(all[k].states[t], all[k].actions[t]);
  }
  const int h = static_cast<int>(all.front().actions.size());
  const Eigen::Index n = static_cast<Eigen::Index>(h) * episodes;
  core::Matrix inputs = core::Matrix::Zero(mdp.states, n), actions(1, n), last = core::Matrix::Zero(mdp.states, episodes);
  Eigen::VectorXd rewards(n);
  std::vector<EpisodeSegment> segments(static_cast<std::size_t>(episodes));
  std::vector<std::size_t> pick(static_cast<std::size_t>(episodes), 0);  // an odometer over the tuples
  for (;;) {
    double p = 1;
    inputs.setZero();
    last.setZero();
    for (int e = 0; e < episodes; ++e) {
      const TabularEpisode& ep = all[pick[static_cast<std::size_t>(e)]];
      p *= probability[pick[static_cast<std::size_t>(e)]];
      EpisodeSegment& seg = segments[static_cast<std::size_t>(e)];
      seg = EpisodeSegment{static_cast<Eigen::Index>(e) * h, h, h == mdp.horizon, true, 0.0, 0};
      for (int t = 0; t < h; ++t) {
        const Eigen::Index j = seg.start + t;
        inputs(ep.states[static_cast<std::size_t>(t)], j) = 1;
        actions(0, j) = static_cast<float>(ep.actions[static_cast<std::size_t>(t)]);
        rewards[j] = mdp.rewards(ep.states[static_cast<std::size_t>(t)], ep.actions[static_cast<std::size_t>(t)]);
        seg.total_reward += rewards[j];
      }
      last(ep.states.back(), e) = 1;  // the value after a terminated episode's last step is 0 whatever it is
    }
    visit(EpisodeBatch{inputs, actions, rewards, segments, last}, p);
    std::size_t e = 0;
    while (e < pick.size() && ++pick[e] == all.size()) pick[e++] = 0;
    if (e == pick.size()) return true;
  }
}

template double TabularReturn<float>(const envs::TabularMdpModel&, Policy<float>&, const Eigen::Ref<const core::Vector>&, double, int,
                                     Eigen::Ref<core::Vector>);
template double TabularReturn<double>(const envs::TabularMdpModel&, Policy<double>&, const Eigen::Ref<const Eigen::VectorXd>&, double, int,
                                      Eigen::Ref<Eigen::VectorXd>);
template Eigen::MatrixXd TabularPolicy<float>(const envs::TabularMdpModel&, Policy<float>&, const Eigen::Ref<const core::Vector>&);
template Eigen::MatrixXd TabularPolicy<double>(const envs::TabularMdpModel&, Policy<double>&, const Eigen::Ref<const Eigen::VectorXd>&);

}  // namespace pmlab::rl
