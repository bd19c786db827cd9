#pragma once
// A policy over a box action space: an MLP (tanh hidden layers; none for a linear policy) maps
// an observation to the mean of a diagonal Gaussian whose log standard deviations are
// parameters of their own, independent of the state (Schulman et al. 2015; Stable-Baselines3's
// default). Parameters: the MLP's, then one log-std per action entry. Actions are sampled
// unclipped; the environment clips them to its bounds, and log-probabilities are those of the
// unclipped sample. Samples are columns, as for CategoricalPolicy.
#include <vector>

#include "core/nn/mlp.h"
#include "core/opt/rng.h"

namespace pmlab::rl {

template <typename T>
class GaussianPolicy {
 public:
  using Vec = typename core::Mlp<T>::Vec;
  using Mat = typename core::Mlp<T>::Mat;

  /// `observations` inputs, `actions` >= 1 entries, tanh hidden layers of `hidden` widths.
  GaussianPolicy(int observations, int actions, const std::vector<int>& hidden);

  core::Index ParameterCount() const { return mlp_.ParameterCount() + Actions(); }
  int Actions() const { return mlp_.shape().Outputs(); }

  /// The policy network's initialisation (policy_network.h) for the mean, and every log-std
  /// at `log_std` (0: unit standard deviation).
  void Initialize(core::Rng& rng, Eigen::Ref<Vec> params, T log_std = 0) const;

  /// An action for each column of `observations`: mean + std * N(0, 1) with one normal draw of
  /// `rng` per entry, or the mean when `mode`.
  void Act(const Eigen::Ref<const Vec>& params, const Mat& observations, core::Rng& rng, bool mode, Mat& actions);

  /// sum_j weights_j log pi(actions_j | observations_j), and its gradient in `gradient`.
  T WeightedLogProb(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
                    Eigen::Ref<Vec> gradient);

 private:
  core::Mlp<T> mlp_;
  Mat output_grad_;
};

extern template class GaussianPolicy<float>;
extern template class GaussianPolicy<double>;

}  // namespace pmlab::rl
