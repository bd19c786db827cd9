#pragma once
// A policy over a discrete action space: an MLP (tanh or ReLU hidden layers; none for a linear policy)
// maps an observation to the logits of a categorical distribution (Williams 1992; the usual
// policy-gradient parametrisation). Its parameters are one flat vector, the x that the
// momentum server steps. Samples are columns: observations one per column, actions a 1 x B
// matrix holding the chosen indices, as envs::Environment::Step takes them.
//
// An object is one thread's scratch, like core::Mlp; parameters are passed to each call.
#include <memory>
#include <vector>

#include "core/nn/mlp.h"
#include "rl/policy.h"

namespace pmlab::rl {

template <typename T>
class CategoricalPolicy final : public Policy<T> {
 public:
  using typename Policy<T>::Vec;
  using typename Policy<T>::Mat;

  /// `observations` inputs, `actions` >= 2 choices, hidden layers of `hidden` widths.
  CategoricalPolicy(int observations, int actions, const std::vector<int>& hidden, core::Activation activation = core::Activation::kTanh);

  core::Index ParameterCount() const override { return mlp_.ParameterCount(); }
  int Actions() const { return mlp_.shape().Outputs(); }
  int ActionRows() const override { return 1; }

  /// The policy network's initialisation (policy_network.h): a near-uniform first policy.
  void Initialize(core::Rng& rng, Eigen::Ref<Vec> params) const override;

  /// An action for each column of `observations`: drawn from the policy with one uniform draw
  /// of `rng` per column, or the most probable one when `mode`.
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
  /// Entropy H = -sum_k p_k log p_k of each column's softmax.
  T Surrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
              T entropy_weight, Eigen::Ref<Vec> gradient) override;

  void SurrogateHessianProduct(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
                               const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> gradient,
                               Eigen::Ref<Vec> hessian_product, const typename Policy<T>::ScoreProducts* score_products = nullptr) override;
  void HessianProductAfterSurrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
                                    const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> hessian_product,
                                    const typename Policy<T>::ScoreProducts* score_products = nullptr) override;
  std::unique_ptr<Policy<T>> Clone() const override { return std::make_unique<CategoricalPolicy>(*this); }

 private:
  // The R-operator's passes after a forward and backward pass over these columns.
  void HessianPasses(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
                     const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> hessian_product,
                     const typename Policy<T>::ScoreProducts* score_products);

  core::Mlp<T> mlp_;
  core::PackedWeights<T> acting_;  // BeginActing's
  Mat output_grad_, probs_;
  Vec directional_, score_weights_;
};

extern template class CategoricalPolicy<float>;
extern template class CategoricalPolicy<double>;

}  // namespace pmlab::rl
