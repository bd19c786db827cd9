#pragma once
// The value baseline: a linear function of features of the (normalised) observation s and of
// the time t, phi(s, t) = (s, s^2, tau, tau^2, tau^3, 1) with tau = t / horizon (Duan et al.
// 2016's feature baseline; the time features let it learn that fewer steps remain near the
// horizon). It is fitted by ridge regression outside x, as problem-owned state: during an
// iteration every worker adds its samples' normal equations to its own slot; afterwards the
// run sums the slots in worker order and solves, so the fit is the same for any thread count.
// An iteration's advantages use the fit from the iteration before, never one made on the
// same episodes (which would correlate the baseline with the actions it scores).
#include <Eigen/Core>

namespace pmlab::rl {

class LinearValue {
 public:
  /// Observations of `observations` entries; time scaled by `horizon` steps.
  LinearValue(int observations, int horizon);

  int Features() const { return static_cast<int>(weights_.size()); }
  const Eigen::VectorXd& weights() const { return weights_; }
  /// Sets the weights (from a checkpoint); std::invalid_argument for a wrong size.
  void set_weights(const Eigen::VectorXd& weights);

  /// phi(s, t) into `features` (size Features()).
  template <typename Observation>
  void Features(const Observation& s, int t, Eigen::VectorXd& features) const {
    const Eigen::Index n = s.size();
    const double tau = static_cast<double>(t) / horizon_;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double v = static_cast<double>(s[i]);
      features[i] = v;
      features[n + i] = v * v;
    }
    features.tail(4) << tau, tau * tau, tau * tau * tau, 1.0;
  }
  double Predict(const Eigen::VectorXd& features) const { return weights_.dot(features); }

  /// The normal equations of a least-squares fit: X^T X and X^T y, summed sample by sample.
  struct Normal {
    Eigen::MatrixXd xtx;
    Eigen::VectorXd xty;
    explicit Normal(int features = 0) : xtx(Eigen::MatrixXd::Zero(features, features)), xty(Eigen::VectorXd::Zero(features)) {}
    void Add(const Eigen::VectorXd& features, double target) {
      xtx.selfadjointView<Eigen::Lower>().rankUpdate(features);
      xty += target * features;
    }
    void Clear() {
      xtx.setZero();
      xty.setZero();
    }
  };

  /// Ridge fit to the summed equations; keeps the old weights when there are no samples.
  void Fit(const Normal& sum);

 private:
  int horizon_;
  Eigen::VectorXd weights_;
};

}  // namespace pmlab::rl
