#pragma once
// Linear-regression tasks whose MAML objective has a closed form, so that the exact bias of
// every meta-gradient estimator can be computed.
//
// Task t has weights w_t ~ N(w_bar, spread^2 I); a sample is a ~ N(0, I_p), y = w_t.a + noise.
// The model is the MLP with no hidden layer, theta = (theta_w, theta_b), with the MSE head, so
// the population loss is L_t(theta) = ||theta - (w_t, 0)||^2 + noise^2: gradient
// 2(theta - (w_t, 0)), Hessian 2I. N inner steps of size alpha shrink theta - (w_t, 0) by
// (1 - 2 alpha) each, so the MAML objective of task t has the gradient
//   grad F_t(theta) = 2 (1 - 2 alpha)^(2N) (theta - (w_t, 0)),
// and so E_t grad F_t = 2 (1 - 2 alpha)^(2N) (theta - (w_bar, 0)).
#include <cmath>

#include <Eigen/Dense>

#include "metalearn/task_family.h"

namespace pmlab::metalearn {

struct LinearRegressionOptions {
  int dimension = 5;      ///< p, features per sample (>= 1); default 5
  double spread = 1.0;    ///< standard deviation of the task weights around their mean; default 1
  double noise = 0.0;     ///< standard deviation of the label noise; default 0
};

class LinearRegressionTasks final : public TaskFamily {
 public:
  /// The mean task weight w_bar is drawn from `seed`.
  LinearRegressionTasks(LinearRegressionOptions options, TaskSizes sizes, std::uint64_t seed);

  int Inputs() const override { return options_.dimension; }
  int Outputs() const override { return 1; }
  core::LossHead Head() const override { return core::LossHead::kMeanSquaredError; }
  /// task = the weights w_t
  void DrawTask(core::Rng& rng, Eigen::VectorXd& task) const override;
  void DrawPoints(const Eigen::VectorXd& task, int count, core::Rng& rng, core::Matrix& inputs,
                  core::Matrix& targets) const override;
  /// The exact design (whatever `count`): the reference gradient is the closed form.
  void DrawReferencePoints(const Eigen::VectorXd& task, int count, core::Rng& rng, core::Matrix& inputs,
                           core::Matrix& targets) const override;

  /// A task's weights, and `count` Gaussian samples of it (in float or double matrices).
  Eigen::VectorXd SampleWeights(core::Rng& rng) const;
  template <typename Mat>
  void SampleData(const Eigen::VectorXd& weights, int count, core::Rng& rng, Mat& inputs, Mat& targets) const {
    inputs.resize(weights.size(), count);
    targets.resize(1, count);
    for (int j = 0; j < count; ++j) {
      double y = 0;
      for (Eigen::Index i = 0; i < weights.size(); ++i) {
        const double a = rng.Normal();
        inputs(i, j) = static_cast<typename Mat::Scalar>(a);
        y += weights(i) * a;
      }
      targets(0, j) = static_cast<typename Mat::Scalar>(y + options_.noise * rng.Normal());
    }
  }
  /// 2p noiseless points +-sqrt(p) e_k: their empirical loss equals the population loss (less
  /// the noise), so estimators fed this "full batch" see the exact task.
  template <typename Mat>
  static void ExactDesign(const Eigen::VectorXd& weights, Mat& inputs, Mat& targets) {
    const Eigen::Index p = weights.size();
    inputs.setZero(p, 2 * p);
    for (Eigen::Index k = 0; k < p; ++k) {
      inputs(k, 2 * k) = static_cast<typename Mat::Scalar>(std::sqrt(static_cast<double>(p)));
      inputs(k, 2 * k + 1) = -inputs(k, 2 * k);
    }
    targets = weights.cast<typename Mat::Scalar>().transpose() * inputs;
  }

  /// grad F_t(theta) for a task with `weights`, after `steps` inner steps of size `alpha`.
  static Eigen::VectorXd TaskMamlGradient(const Eigen::VectorXd& theta, const Eigen::VectorXd& weights, double alpha, int steps);

 private:
  LinearRegressionOptions options_;
  Eigen::VectorXd mean_;
};

}  // namespace pmlab::metalearn
