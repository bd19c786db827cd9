#include "metalearn/meta_gradient.h"

#include <stdexcept>

namespace pmlab::metalearn {

MetaAlgorithm ParseMetaAlgorithm(std::string_view name) {
  if (name == "maml") return MetaAlgorithm::kMaml;
  if (name == "fomaml") return MetaAlgorithm::kFirstOrder;
  if (name == "reptile") return MetaAlgorithm::kReptile;
  if (name == "metasgd") return MetaAlgorithm::kMetaSgd;
  throw std::invalid_argument("meta-learning algorithm '" + std::string(name) +
                              "' is unknown (allowed: maml, fomaml, reptile, metasgd)");
}

template <typename T>
core::Index MetaGradient<T>::Dimension(const core::MlpShape& shape, MetaAlgorithm algorithm) {
  return (algorithm == MetaAlgorithm::kMetaSgd ? 2 : 1) * shape.ParameterCount();
}

template <typename T>
typename MetaGradient<T>::Vec MetaGradient<T>::Initial(const core::MlpShape& shape, MetaAlgorithm algorithm, double inner_lr,
                                                       core::Rng& rng) {
  const core::Index d = shape.ParameterCount();
  Vec x(Dimension(shape, algorithm));
  core::Mlp<T>::Initialize(shape, rng, x.head(d));
  x.tail(x.size() - d).setConstant(static_cast<T>(inner_lr));
  return x;
}

template <typename T>
MetaGradient<T>::MetaGradient(core::MlpShape shape, core::LossHead head, InnerLoopOptions options, MetaAlgorithm algorithm)
    : mlp_(shape, head), last_inner_(std::move(shape), head), options_(options), algorithm_(algorithm) {
  if (!(options.inner_lr > 0.0)) throw std::invalid_argument("inner learning rate must be > 0");
  if (options.inner_steps < 0) throw std::invalid_argument("inner steps must be >= 0");
  const core::Index d = mlp_.ParameterCount();
  phi_.assign(static_cast<std::size_t>(options.inner_steps) + 1, Vec(d));
  gradient_.resize(d);
  product_.resize(d);
  direction_.resize(d);
}

template <typename T>
void MetaGradient<T>::InnerStep(const Eigen::Ref<const Vec>& x, const Vec& from, const TaskBatch<T>& task, Vec& to, core::Mlp<T>& mlp) {
  mlp.LossAndGradient(from, task.support_inputs, task.support_targets, gradient_);
  if (algorithm_ == MetaAlgorithm::kMetaSgd)
    to = from - x.tail(gradient_.size()).cwiseProduct(gradient_);
  else
    to = from - static_cast<T>(options_.inner_lr) * gradient_;
}

template <typename T>
void MetaGradient<T>::Adapt(const Eigen::Ref<const Vec>& x, const TaskBatch<T>& task) {
  phi_[0] = x.head(mlp_.ParameterCount());
  for (int j = 0; j < options_.inner_steps; ++j) InnerStep(x, phi_[j], task, phi_[j + 1], j + 1 == options_.inner_steps ? last_inner_ : mlp_);
}

template <typename T>
T MetaGradient<T>::AdaptedLoss(const Eigen::Ref<const Vec>& x, const TaskBatch<T>& task) {
  Adapt(x, task);
  return mlp_.Loss(phi_.back(), task.query_inputs, task.query_targets);
}

template <typename T>
void MetaGradient<T>::AdaptationCurve(const Eigen::Ref<const Vec>& x, const TaskBatch<T>& task, int steps,
                                      Eigen::Ref<Eigen::VectorXd> losses, Eigen::VectorXd* accuracies) {
  // phi_[0] and phi_[1] serve as a double buffer: the curve may be longer than N.
  if (phi_.size() < 2) phi_.resize(2, Vec(mlp_.ParameterCount()));
  phi_[0] = x.head(mlp_.ParameterCount());
  for (int j = 0;; ++j) {
    losses(j) = mlp_.Loss(phi_[j % 2], task.query_inputs, task.query_targets);
    if (accuracies)
      (*accuracies)(j) = static_cast<double>(core::Mlp<T>::CountCorrect(mlp_.Forward(phi_[j % 2], task.query_inputs), task.query_targets)) /
                         static_cast<double>(task.query_inputs.cols());
    if (j == steps) break;
    InnerStep(x, phi_[j % 2], task, phi_[(j + 1) % 2], mlp_);
  }
}

template <typename T>
T MetaGradient<T>::Estimate(const Eigen::Ref<const Vec>& x, const TaskBatch<T>& task, Eigen::Ref<Vec> out) {
  Adapt(x, task);
  const core::Index d = mlp_.ParameterCount();
  auto u = out.head(d);
  const T loss = mlp_.LossAndGradient(phi_.back(), task.query_inputs, task.query_targets, u);
  // Back through the inner steps, j = N-1 .. 0, with H from the support set or, when given, from
  // the separate Hessian sample.
  const bool separate = task.hessian_inputs.cols() > 0;
  const auto& h_inputs = separate ? task.hessian_inputs : task.support_inputs;
  const auto& h_targets = separate ? task.hessian_targets : task.support_targets;
  // The last inner step's forward and backward passes, at phi_{N-1} on the support set, are the
  // first product's own when the Hessian comes from the support set.
  const auto reuse = [&](int j) { return !separate && j + 1 == options_.inner_steps; };
  switch (algorithm_) {
    case MetaAlgorithm::kFirstOrder:
      break;
    case MetaAlgorithm::kReptile:
      out = x - phi_.back();
      break;
    case MetaAlgorithm::kMaml: {
      // u <- (I - alpha H(phi_j)) u
      const auto alpha = static_cast<T>(options_.inner_lr);
      for (int j = options_.inner_steps - 1; j >= 0; --j) {
        if (reuse(j)) last_inner_.LossHessianProductAfterGradient(phi_[j], h_inputs, h_targets, u, product_);
        else mlp_.LossGradientAndHessianProduct(phi_[j], h_inputs, h_targets, u, gradient_, product_);
        u -= alpha * product_;
      }
      break;
    }
    case MetaAlgorithm::kMetaSgd: {
      // phi_{j+1} = phi_j - a * g_j: d/da gets -g_j * u, and u <- u - H(phi_j) (a * u). The step
      // sizes' gradient needs g_j on the support set even when H comes from another sample.
      const auto a = x.tail(d);
      auto step_sizes = out.tail(d);
      step_sizes.setZero();
      for (int j = options_.inner_steps - 1; j >= 0; --j) {
        direction_ = a.cwiseProduct(u);
        // Reused, gradient_ still holds the last inner step's gradient at phi_j.
        if (reuse(j)) last_inner_.LossHessianProductAfterGradient(phi_[j], h_inputs, h_targets, direction_, product_);
        else mlp_.LossGradientAndHessianProduct(phi_[j], h_inputs, h_targets, direction_, gradient_, product_);
        if (separate) mlp_.LossAndGradient(phi_[j], task.support_inputs, task.support_targets, gradient_);
        step_sizes -= gradient_.cwiseProduct(u);
        u -= product_;
      }
      break;
    }
  }
  return loss;
}

template class MetaGradient<float>;
template class MetaGradient<double>;

}  // namespace pmlab::metalearn
