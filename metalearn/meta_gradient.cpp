#include "metalearn/meta_gradient.h"

#include <stdexcept>

namespace pmlab::metalearn {

MetaAlgorithm ParseMetaAlgorithm(std::string_view name) {
  if (name == "maml") return MetaAlgorithm::kMaml;
  if (name == "fomaml") return MetaAlgorithm::kFirstOrder;
  if (name == "reptile") return MetaAlgorithm::kReptile;
  throw std::invalid_argument("meta-learning algorithm '" + std::string(name) + "' is unknown (allowed: maml, fomaml, reptile)");
}

template <typename T>
MetaGradient<T>::MetaGradient(core::MlpShape shape, core::LossHead head, InnerLoopOptions options, MetaAlgorithm algorithm)
    : mlp_(std::move(shape), head), options_(options), algorithm_(algorithm) {
  if (!(options.inner_lr > 0.0)) throw std::invalid_argument("inner learning rate must be > 0");
  if (options.inner_steps < 0) throw std::invalid_argument("inner steps must be >= 0");
  const core::Index d = mlp_.ParameterCount();
  phi_.assign(static_cast<std::size_t>(options.inner_steps) + 1, Vec(d));
  gradient_.resize(d);
  product_.resize(d);
}

template <typename T>
void MetaGradient<T>::Adapt(const Eigen::Ref<const Vec>& x, const TaskBatch<T>& task) {
  const auto alpha = static_cast<T>(options_.inner_lr);
  phi_[0] = x;
  for (int j = 0; j < options_.inner_steps; ++j) {
    mlp_.LossAndGradient(phi_[j], task.support_inputs, task.support_targets, gradient_);
    phi_[j + 1] = phi_[j] - alpha * gradient_;
  }
}

template <typename T>
T MetaGradient<T>::AdaptedLoss(const Eigen::Ref<const Vec>& x, const TaskBatch<T>& task) {
  Adapt(x, task);
  return mlp_.Loss(phi_.back(), task.query_inputs, task.query_targets);
}

template <typename T>
T MetaGradient<T>::Estimate(const Eigen::Ref<const Vec>& x, const TaskBatch<T>& task, Eigen::Ref<Vec> out) {
  Adapt(x, task);
  const T loss = mlp_.LossAndGradient(phi_.back(), task.query_inputs, task.query_targets, out);
  switch (algorithm_) {
    case MetaAlgorithm::kFirstOrder:
      break;
    case MetaAlgorithm::kReptile:
      out = x - phi_.back();
      break;
    case MetaAlgorithm::kMaml: {
      // Back through the inner steps: u <- (I - alpha H(phi_j)) u, j = N-1 .. 0, with H from the
      // support set or, when given, from the separate Hessian sample.
      const auto alpha = static_cast<T>(options_.inner_lr);
      const bool separate = task.hessian_inputs.cols() > 0;
      const auto& h_inputs = separate ? task.hessian_inputs : task.support_inputs;
      const auto& h_targets = separate ? task.hessian_targets : task.support_targets;
      for (int j = options_.inner_steps - 1; j >= 0; --j) {
        mlp_.LossGradientAndHessianProduct(phi_[j], h_inputs, h_targets, out, gradient_, product_);
        out -= alpha * product_;
      }
      break;
    }
  }
  return loss;
}

template class MetaGradient<float>;
template class MetaGradient<double>;

}  // namespace pmlab::metalearn
