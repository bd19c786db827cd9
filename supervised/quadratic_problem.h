#pragma once
// A strongly convex least-squares problem split across workers, for tests and theory:
// f(x) = 1/(2N) ||A x - b||^2 with worker i holding rows [i m, (i+1) m) of A and b. Its
// Hessian H = A^T A / N is known, so L = lambda_max(H), mu = lambda_min(H) (f is mu-PL) and
// the optimum x* = H^{-1} A^T b / N are exact; tests check the momentum method against them.
//
// Controlled bias, for checking the theory of Beikmohammadi, Khirirat and Magnusson (2025):
// worker i sends g_i = grad f_i(x) + m |grad f_i(x)| u(x) + zeta e + sigma xi, with u(x) a fixed
// random unit direction field (the direction of W x + w, W and w drawn once from the seed), e a
// fixed random unit vector and xi standard normal noise from the worker's stream. With zeta
// alone the method's fixed point is x* - H^{-1} zeta e, at f - f* = zeta^2 e^T H^{-1} e / 2.
#include <cstdint>

#include <Eigen/Dense>

#include "core/opt/gradient_oracle.h"

namespace pmlab::supervised {

struct QuadraticOptions {
  int dimension = 20;        ///< d, the number of parameters (>= 1); default 20
  int rows_per_worker = 50;  ///< m, rows of A per worker (>= 1); default 50
  core::Index batch = 0;     ///< rows per gradient estimate, 0 = all m rows; default 0
  double noise = 0.1;        ///< standard deviation of the noise in b; default 0.1
  double bias_relative = 0;  ///< m >= 0: bias of norm m |grad f_i(x)| along u(x); default 0
  double bias_absolute = 0;  ///< zeta >= 0: bias zeta e, the same at every worker; default 0
  double gradient_noise = 0; ///< sigma >= 0: standard deviation of each gradient coordinate's noise; default 0
};

class QuadraticProblem final : public core::GradientOracle {
 public:
  QuadraticProblem(int workers, const QuadraticOptions& options, std::uint64_t seed);

  core::Index Dimension() const override { return a_.cols(); }
  core::OracleResult Estimate(int worker, const core::Vector& x, core::Rng& rng,
                              Eigen::Ref<core::Vector> gradient) override;

  /// Global objective and gradient in double precision.
  double Loss(const Eigen::VectorXd& x) const;
  Eigen::VectorXd Gradient(const Eigen::VectorXd& x) const;
  const Eigen::MatrixXd& Hessian() const { return hessian_; }
  const Eigen::VectorXd& Optimum() const { return optimum_; }
  /// e, the direction of the absolute bias (zero when zeta = 0).
  const Eigen::VectorXd& AbsoluteBiasDirection() const { return bias_direction_; }
  double Smoothness() const { return smoothness_; }     ///< L
  double StrongConvexity() const { return convexity_; }  ///< mu

 private:
  QuadraticOptions options_;
  Eigen::MatrixXd a_;
  Eigen::VectorXd b_;
  Eigen::MatrixXd hessian_;
  Eigen::VectorXd optimum_;
  Eigen::MatrixXd field_;  // W, and w in its last column (m > 0 only)
  Eigen::VectorXd bias_direction_;
  double smoothness_ = 0, convexity_ = 0;
};

}  // namespace pmlab::supervised
