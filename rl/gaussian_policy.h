#pragma once
// A policy over a box action space: an MLP (tanh or ReLU hidden layers; none for a linear policy) maps
// an observation to the mean of a diagonal Gaussian whose log standard deviations are
// parameters of their own, independent of the state (Schulman et al. 2015; Stable-Baselines3's
// default). Parameters: the MLP's, then one log-std per action entry. Actions are sampled
// unclipped; the environment clips them to its bounds, and log-probabilities are those of the
// unclipped sample. Samples are columns, as for CategoricalPolicy.
#include <memory>
#include <vector>

#include "core/nn/mlp.h"
#include "rl/policy.h"

namespace pmlab::rl {

template <typename T>
class GaussianPolicy final : public Policy<T> {
 public:
  using typename Policy<T>::Vec;
  using typename Policy<T>::Mat;

  /// `observations` inputs, `actions` >= 1 entries, tanh hidden layers of `hidden` widths;
  /// every log-std starts at `initial_log_std` (0: unit standard deviation).
  GaussianPolicy(int observations, int actions, const std::vector<int>& hidden, T initial_log_std = 0,
                 core::Activation activation = core::Activation::kTanh);

  core::Index ParameterCount() const override { return mlp_.ParameterCount() + Actions(); }
  int Actions() const { return mlp_.shape().Outputs(); }
  int ActionRows() const override { return Actions(); }

  /// The policy network's initialisation (policy_network.h) for the mean, and the initial
  /// log-std.
  void Initialize(core::Rng& rng, Eigen::Ref<Vec> params) const override;

  /// An action for each column of `observations`: mean + std * N(0, 1) with one normal draw of
  /// `rng` per entry, or the mean when `mode`.
  void BeginActing(const Eigen::Ref<const Vec>& params, core::Index columns) override {
    mlp_.Pack(params.head(mlp_.ParameterCount()), columns, acting_);
  }
  void DoneActing() override {
    acting_.params = nullptr;
    mlp_.StopRecording();
  }
  void RecordActing(core::Index columns) override { mlp_.Record(columns); }
  void ReplayActing(const std::vector<core::Index>& order) override { mlp_.Replay(order); }
  void Act(const Eigen::Ref<const Vec>& params, const Mat& observations, core::Rng& rng, bool mode, Mat& actions) override;

  void LogProbabilities(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, Vec& log_probs,
                        Vec& entropies) override;
  /// Entropy H = sum_k (log sigma_k + log(2 pi e) / 2), which depends on the log-stds only.
  T Surrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
              T entropy_weight, Eigen::Ref<Vec> gradient) override;

  /// The log-std entries of the product include their cross terms with the network's.
  void SurrogateHessianProduct(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
                               const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> gradient,
                               Eigen::Ref<Vec> hessian_product, const typename Policy<T>::ScoreProducts* score_products = nullptr) override;
  void HessianProductAfterSurrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
                                    const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> hessian_product,
                                    const typename Policy<T>::ScoreProducts* score_products = nullptr) override;
  std::unique_ptr<Policy<T>> Clone() const override { return std::make_unique<GaussianPolicy>(*this); }

 private:
  // The R-operator's passes after a forward and backward pass over these columns.
  void HessianPasses(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
                     const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> hessian_product,
                     const typename Policy<T>::ScoreProducts* score_products);

  core::Mlp<T> mlp_;
  core::PackedWeights<T> acting_;  // BeginActing's
  T initial_log_std_;
  Mat output_grad_;
  Vec directional_, score_weights_;
};

extern template class GaussianPolicy<float>;
extern template class GaussianPolicy<double>;

}  // namespace pmlab::rl
