#include "rl/gaussian_policy.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "rl/policy_network.h"

namespace pmlab::rl {

template <typename T>
GaussianPolicy<T>::GaussianPolicy(int observations, int actions, const std::vector<int>& hidden, T initial_log_std,
                                  core::Activation activation)
    : mlp_(PolicyNetwork(observations, actions, hidden, activation), core::LossHead::kMeanSquaredError),
      initial_log_std_(initial_log_std) {}

template <typename T>
void GaussianPolicy<T>::Initialize(core::Rng& rng, Eigen::Ref<Vec> params) const {
  InitializePolicyNetwork<T>(mlp_.shape(), rng, params.head(mlp_.ParameterCount()));
  params.tail(Actions()).setConstant(initial_log_std_);
}

template <typename T>
void GaussianPolicy<T>::Act(const Eigen::Ref<const Vec>& params, const Mat& observations, core::Rng& rng, bool mode, Mat& actions) {
  const core::Index net = mlp_.ParameterCount();
  actions = mlp_.Forward(params.head(net), observations, acting_.params == params.data() ? &acting_ : nullptr);
  if (mode) return;
  const auto log_std = params.tail(Actions());
  for (core::Index j = 0; j < actions.cols(); ++j)
    for (core::Index k = 0; k < actions.rows(); ++k) actions(k, j) += std::exp(log_std[k]) * static_cast<T>(rng.Normal());
}

template <typename T>
void GaussianPolicy<T>::LogProbabilities(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                         Vec& log_probs, Vec& entropies) {
  const core::Index net = mlp_.ParameterCount();
  const auto mean = mlp_.Forward(params.head(net), observations);
  if (actions.rows() != mean.rows() || actions.cols() != mean.cols())
    throw std::invalid_argument("one action column per observation column");
  const auto log_std = params.tail(Actions());
  const Vec inv_var = (T(-2) * log_std.array()).exp().matrix();
  const T half_log_2pi = static_cast<T>(0.5 * std::log(2 * std::numbers::pi));
  const T normaliser = log_std.sum() + static_cast<T>(mean.rows()) * half_log_2pi;
  log_probs.resize(mean.cols());
  for (core::Index j = 0; j < mean.cols(); ++j)
    log_probs[j] = T(-0.5) * ((actions.col(j) - mean.col(j)).array().square() * inv_var.array()).sum() - normaliser;
  entropies.setConstant(mean.cols(), normaliser + static_cast<T>(mean.rows()) * T(0.5));  // the same for every state
}

template <typename T>
T GaussianPolicy<T>::Surrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                               const Vec& weights, T entropy_weight, Eigen::Ref<Vec> gradient) {
  const core::Index net = mlp_.ParameterCount();
  const auto mean = mlp_.Forward(params.head(net), observations);
  if (actions.rows() != mean.rows() || actions.cols() != mean.cols() || weights.size() != mean.cols())
    throw std::invalid_argument("one action column and one weight per observation column");
  const auto log_std = params.tail(Actions());
  const Vec inv_var = (T(-2) * log_std.array()).exp().matrix();
  // log N(a; mu, sigma) = sum_k -(a_k - mu_k)^2 / (2 sigma_k^2) - log sigma_k - log(2 pi) / 2;
  // d/d mu_k = (a_k - mu_k) / sigma_k^2, d/d log sigma_k = (a_k - mu_k)^2 / sigma_k^2 - 1.
  const T half_log_2pi = static_cast<T>(0.5 * std::log(2 * std::numbers::pi));
  output_grad_.resize(mean.rows(), mean.cols());
  auto grad_log_std = gradient.tail(Actions());
  grad_log_std.setZero();
  T total = 0;
  for (core::Index j = 0; j < mean.cols(); ++j) {
    const auto diff = (actions.col(j) - mean.col(j)).array();
    const auto scaled_sq = diff.square() * inv_var.array();
    total += weights[j] * (T(-0.5) * scaled_sq.sum() - log_std.sum() - static_cast<T>(mean.rows()) * half_log_2pi);
    output_grad_.col(j) = -weights[j] * (diff * inv_var.array()).matrix();  // the MLP takes d(-objective)/d mean
    grad_log_std += weights[j] * (scaled_sq - T(1)).matrix();
  }
  if (entropy_weight != 0) {
    // Each column adds c * sum_k (log sigma_k + log(2 pi e) / 2).
    const T columns = static_cast<T>(mean.cols());
    total += entropy_weight * columns * (log_std.sum() + static_cast<T>(mean.rows()) * (half_log_2pi + T(0.5)));
    grad_log_std.array() += entropy_weight * columns;
  }
  auto grad_net = gradient.head(net);
  mlp_.Backward(params.head(net), observations, output_grad_, grad_net);
  grad_net = -grad_net;
  return total;
}

template <typename T>
void GaussianPolicy<T>::SurrogateHessianProduct(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                                const Vec& weights, const Eigen::Ref<const Vec>& direction,
                                                Eigen::Ref<Vec> gradient, Eigen::Ref<Vec> hessian_product,
                                                const typename Policy<T>::ScoreProducts* score_products) {
  const core::Index net = mlp_.ParameterCount();
  const auto mean = mlp_.Forward(params.head(net), observations);
  if (actions.rows() != mean.rows() || actions.cols() != mean.cols() || weights.size() != mean.cols())
    throw std::invalid_argument("one action column and one weight per observation column");
  const Vec inv_var = (T(-2) * params.tail(Actions()).array()).exp().matrix();
  // With d = a - mu and S = sum_j w_j sum_k (-d_k^2 / (2 sigma_k^2) - log sigma_k) + const:
  //   dS/dmu = w d / sigma^2,  dS/dlog sigma = w (d^2 / sigma^2 - 1).
  output_grad_.resize(mean.rows(), mean.cols());
  auto grad_log_std = gradient.tail(Actions());
  grad_log_std.setZero();
  for (core::Index j = 0; j < mean.cols(); ++j) {
    const auto diff = (actions.col(j) - mean.col(j)).array();
    output_grad_.col(j) = -weights[j] * (diff * inv_var.array()).matrix();
    grad_log_std += weights[j] * (diff.square() * inv_var.array() - T(1)).matrix();
  }
  auto grad_net = gradient.head(net);
  mlp_.Backward(params.head(net), observations, output_grad_, grad_net);
  grad_net = -grad_net;
  HessianPasses(params, observations, actions, weights, direction, hessian_product, score_products);
}

template <typename T>
void GaussianPolicy<T>::HessianProductAfterSurrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                                     const Vec& weights, const Eigen::Ref<const Vec>& direction,
                                                     Eigen::Ref<Vec> hessian_product,
                                                     const typename Policy<T>::ScoreProducts* score_products) {
  if (mlp_.outputs().cols() != observations.cols() || weights.size() != observations.cols())
    throw std::logic_error("HessianProductAfterSurrogate needs a Surrogate over these columns first");
  HessianPasses(params, observations, actions, weights, direction, hessian_product, score_products);
}

template <typename T>
void GaussianPolicy<T>::HessianPasses(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                      const Vec& weights, const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> hessian_product,
                                      const typename Policy<T>::ScoreProducts* score_products) {
  const core::Index net = mlp_.ParameterCount();
  const auto mean = mlp_.outputs();
  const auto dir_log_std = direction.tail(Actions());
  const Vec inv_var = (T(-2) * params.tail(Actions()).array()).exp().matrix();
  //   d2S/dmu2 = -w / sigma^2,  d2S/dmu dlog sigma = -2 w d / sigma^2,  d2S/dlog sigma2 = -2 w d^2 / sigma^2.
  auto hvp_log_std = hessian_product.tail(Actions());
  hvp_log_std.setZero();
  auto hvp_net = hessian_product.head(net);
  // The head gets R(mu) = J v_net. The MLP works on -S, so its R(delta) is minus the
  // mean-block rows of the Hessian applied to (R(mu), v_log_std); the log-std block's rows are
  // summed here from the same R(mu).
  mlp_.HessianProductAfterBackward(
      params.head(net), observations, direction.head(net),
      [&](typename core::Mlp<T>::ConstView r_mean, typename core::Mlp<T>::View rd) {
        for (core::Index j = 0; j < r_mean.cols(); ++j) {
          const auto diff = (actions.col(j) - mean.col(j)).array();
          const auto w = weights[j] * inv_var.array();
          rd.col(j) = (w * (r_mean.col(j).array() + T(2) * diff * dir_log_std.array())).matrix();
          hvp_log_std -= (T(2) * w * diff * (r_mean.col(j).array() + diff * dir_log_std.array())).matrix();
        }
        if (!score_products) return;
        // grad log pi . v = (d / sigma^2) . R(mu) + (d^2 / sigma^2 - 1) . v_log_std; u grad log pi
        // enters -S's R(delta) as -u d / sigma^2 and the log-std rows as u (d^2 / sigma^2 - 1).
        directional_.resize(r_mean.cols());
        for (core::Index j = 0; j < r_mean.cols(); ++j) {
          const auto diff = (actions.col(j) - mean.col(j)).array();
          directional_[j] = (diff * inv_var.array() * r_mean.col(j).array()).sum() +
                            ((diff.square() * inv_var.array() - T(1)) * dir_log_std.array()).sum();
        }
        (*score_products)(directional_, score_weights_);
        for (core::Index j = 0; j < r_mean.cols(); ++j) {
          const auto diff = (actions.col(j) - mean.col(j)).array();
          rd.col(j) -= (score_weights_[j] * diff * inv_var.array()).matrix();
          hvp_log_std += (score_weights_[j] * (diff.square() * inv_var.array() - T(1))).matrix();
        }
      },
      hvp_net);
  hvp_net = -hvp_net;
}

template class GaussianPolicy<float>;
template class GaussianPolicy<double>;

}  // namespace pmlab::rl
