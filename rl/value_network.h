#pragma once
// The MLP value baseline. Unlike the linear one, a network has no closed-form fit, so its
// parameters follow the policy's in x and the same momentum server steps both, as A2C does:
// each worker adds to its policy-gradient loss the regression loss
//   c / (2m) sum_t (v(s_t) - z_t)^2,   z_t = (y_t - mean) / std,
// with y_t the estimator's value targets, m the policy loss's divisor and c = --value-coef.
// The targets are standardised by the moments of every target seen so far (problem-owned
// state, merged in worker order), so the network's outputs stay of order one whatever the
// scale of the environment's rewards; the baseline is V(s) = mean + std * v(s). The value loss
// goes through the same --compress and --clip as the policy's gradient.
#include <vector>

#include "core/nn/mlp.h"
#include "core/opt/types.h"
#include "rl/observation_normalizer.h"

namespace pmlab::rl {

/// The affine map from the network's standardised output to a value.
struct ValueScale {
  double mean = 0, std = 1;
  /// From the moments of the targets so far (mean 0 and std 1 before any).
  static ValueScale Of(const RunningMoments& targets);
};

/// One thread's scratch for the value network; parameters are passed to each call.
class ValueNetwork {
 public:
  /// `observations` inputs, tanh hidden layers of `hidden` widths (at least one), one output.
  ValueNetwork(int observations, const std::vector<int>& hidden);

  core::Index ParameterCount() const { return steps_.ParameterCount(); }
  /// PyTorch's default initialisation.
  void Initialize(core::Rng& rng, Eigen::Ref<core::Vector> params) const;

  /// V of every column of `steps` into `values` and of `ends` into `bootstrap`.
  void Predict(const Eigen::Ref<const core::Vector>& params, const core::Matrix& steps, const core::Matrix& ends,
               const ValueScale& scale, Eigen::VectorXd& values, Eigen::VectorXd& bootstrap);

  /// After Predict on `steps`: the gradient of (c/2) sum_t (v(s_t) - z_t)^2 for the targets y
  /// written to `gradient`, each step's term times keep_t (0 or 1) when `keep` is given;
  /// returns the loss.
  double LossGradient(const Eigen::Ref<const core::Vector>& params, const core::Matrix& steps, const Eigen::VectorXd& targets,
                      const ValueScale& scale, double c, Eigen::Ref<core::Vector> gradient, const Eigen::VectorXd* keep = nullptr);

 private:
  core::Mlp<float> steps_, ends_;  // two, so that each keeps its batch's shape and activations
  Eigen::VectorXd outputs_, residual_;  // v(s_t) of the last Predict, and v - z
  core::Matrix output_grad_;
};

}  // namespace pmlab::rl
