#include "rl/categorical_policy.h"

#include <cmath>
#include <stdexcept>

#include "rl/policy_network.h"

namespace pmlab::rl {
namespace {

// log sum exp of a column, shifted by its maximum for stability.
template <typename Col>
auto LogSumExp(const Col& z) {
  const auto max = z.maxCoeff();
  return max + std::log((z.array() - max).exp().sum());
}

}  // namespace

template <typename T>
CategoricalPolicy<T>::CategoricalPolicy(int observations, int actions, const std::vector<int>& hidden, core::Activation activation)
    : mlp_(PolicyNetwork(observations, actions, hidden, activation), core::LossHead::kSoftmaxCrossEntropy) {
  if (actions < 2) throw std::invalid_argument("a categorical policy needs at least 2 actions");
}

template <typename T>
void CategoricalPolicy<T>::Initialize(core::Rng& rng, Eigen::Ref<Vec> params) const {
  InitializePolicyNetwork<T>(mlp_.shape(), rng, params);
}

template <typename T>
void CategoricalPolicy<T>::Act(const Eigen::Ref<const Vec>& params, const Mat& observations, core::Rng& rng, bool mode, Mat& actions) {
  const auto logits = mlp_.Forward(params, observations, acting_.params == params.data() ? &acting_ : nullptr);
  actions.resize(1, logits.cols());
  for (core::Index j = 0; j < logits.cols(); ++j) {
    core::Index chosen = 0;
    if (mode) {
      logits.col(j).maxCoeff(&chosen);
    } else {
      // Inverse CDF of the softmax; the last action takes what rounding leaves.
      const T lse = LogSumExp(logits.col(j));
      double u = rng.Uniform();
      chosen = logits.rows() - 1;
      for (core::Index a = 0; a + 1 < logits.rows(); ++a) {
        u -= std::exp(static_cast<double>(logits(a, j) - lse));
        if (u < 0) {
          chosen = a;
          break;
        }
      }
    }
    actions(0, j) = static_cast<T>(chosen);
  }
}

template <typename T>
void CategoricalPolicy<T>::LogProbabilities(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                            Vec& log_probs, Vec& entropies) {
  const auto logits = mlp_.Forward(params, observations);
  if (actions.rows() != 1 || actions.cols() != logits.cols()) throw std::invalid_argument("one action per observation column");
  log_probs.resize(logits.cols());
  entropies.resize(logits.cols());
  for (core::Index j = 0; j < logits.cols(); ++j) {
    const auto a = static_cast<core::Index>(actions(0, j));
    if (a < 0 || a >= logits.rows()) throw std::invalid_argument("action index out of range");
    const T lse = LogSumExp(logits.col(j));
    log_probs[j] = logits(a, j) - lse;
    const auto log_p = logits.col(j).array() - lse;
    entropies[j] = -(log_p.exp() * log_p).sum();
  }
}

template <typename T>
T CategoricalPolicy<T>::Surrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                  const Vec& weights, T entropy_weight, Eigen::Ref<Vec> gradient) {
  const auto logits = mlp_.Forward(params, observations);
  if (actions.rows() != 1 || actions.cols() != logits.cols() || weights.size() != logits.cols())
    throw std::invalid_argument("one action and one weight per observation column");
  // With log p = z - lse(z): d/dz log p_a = e_a - p, and d/dz H = -p * (log p + H). The MLP's
  // backward pass takes d(-S)/dz.
  output_grad_.resize(logits.rows(), logits.cols());
  T total = 0;
  for (core::Index j = 0; j < logits.cols(); ++j) {
    const auto a = static_cast<core::Index>(actions(0, j));
    if (a < 0 || a >= logits.rows()) throw std::invalid_argument("action index out of range");
    const T lse = LogSumExp(logits.col(j));
    auto g = output_grad_.col(j);
    g = (logits.col(j).array() - lse).exp();  // p
    total += weights[j] * (logits(a, j) - lse);
    if (entropy_weight != 0) {
      const auto log_p = logits.col(j).array() - lse;
      const T entropy = -(g.array() * log_p).sum();
      total += entropy_weight * entropy;
      g = (weights[j] * g.array() + entropy_weight * g.array() * (log_p + entropy)).matrix();
    } else {
      g *= weights[j];
    }
    g(a) -= weights[j];
  }
  mlp_.Backward(params, observations, output_grad_, gradient);
  gradient = -gradient;
  return total;
}

template <typename T>
void CategoricalPolicy<T>::SurrogateHessianProduct(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                                   const Vec& weights, const Eigen::Ref<const Vec>& direction,
                                                   Eigen::Ref<Vec> gradient, Eigen::Ref<Vec> hessian_product,
                                                   const typename Policy<T>::ScoreProducts* score_products) {
  const auto logits = mlp_.Forward(params, observations);
  if (actions.rows() != 1 || actions.cols() != logits.cols() || weights.size() != logits.cols())
    throw std::invalid_argument("one action and one weight per observation column");
  // The MLP works on -S: d(-S)/dz = w (p - e_a).
  output_grad_.resize(logits.rows(), logits.cols());
  for (core::Index j = 0; j < logits.cols(); ++j) {
    const auto a = static_cast<core::Index>(actions(0, j));
    if (a < 0 || a >= logits.rows()) throw std::invalid_argument("action index out of range");
    output_grad_.col(j) = weights[j] * (logits.col(j).array() - LogSumExp(logits.col(j))).exp().matrix();
    output_grad_(a, j) -= weights[j];
  }
  mlp_.Backward(params, observations, output_grad_, gradient);
  gradient = -gradient;
  HessianPasses(params, observations, actions, weights, direction, hessian_product, score_products);
}

template <typename T>
void CategoricalPolicy<T>::HessianProductAfterSurrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                                        const Vec& weights, const Eigen::Ref<const Vec>& direction,
                                                        Eigen::Ref<Vec> hessian_product,
                                                        const typename Policy<T>::ScoreProducts* score_products) {
  if (mlp_.outputs().cols() != observations.cols() || weights.size() != observations.cols())
    throw std::logic_error("HessianProductAfterSurrogate needs a Surrogate over these columns first");
  HessianPasses(params, observations, actions, weights, direction, hessian_product, score_products);
}

template <typename T>
void CategoricalPolicy<T>::HessianPasses(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                         const Vec& weights, const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> hessian_product,
                                         const typename Policy<T>::ScoreProducts* score_products) {
  // d^2(-S)/dz^2 = w (diag(p) - p p^T).
  const auto logits = mlp_.outputs();
  probs_.resize(logits.rows(), logits.cols());
  for (core::Index j = 0; j < logits.cols(); ++j) probs_.col(j) = (logits.col(j).array() - LogSumExp(logits.col(j))).exp();
  mlp_.HessianProductAfterBackward(
      params, observations, direction,
      [&](typename core::Mlp<T>::ConstView rz, typename core::Mlp<T>::View rd) {
        for (core::Index j = 0; j < rz.cols(); ++j) {
          const auto p = probs_.col(j);
          rd.col(j) = weights[j] * (p.cwiseProduct(rz.col(j)) - p * p.dot(rz.col(j)));
        }
        if (!score_products) return;
        // R(z) is the logits' derivative along the direction, so grad log pi . v = R(z_a) - p . R(z);
        // u grad log pi enters -S's R(delta) as u (p - e_a).
        directional_.resize(rz.cols());
        for (core::Index j = 0; j < rz.cols(); ++j)
          directional_[j] = rz(static_cast<core::Index>(actions(0, j)), j) - probs_.col(j).dot(rz.col(j));
        (*score_products)(directional_, score_weights_);
        for (core::Index j = 0; j < rz.cols(); ++j) {
          rd.col(j) += score_weights_[j] * probs_.col(j);
          rd(static_cast<core::Index>(actions(0, j)), j) -= score_weights_[j];
        }
      },
      hessian_product);
  hessian_product = -hessian_product;
}

template class CategoricalPolicy<float>;
template class CategoricalPolicy<double>;

}  // namespace pmlab::rl
