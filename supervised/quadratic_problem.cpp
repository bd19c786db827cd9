#include "supervised/quadratic_problem.h"

#include <cmath>
#include <stdexcept>

#include "core/opt/sampling.h"

namespace pmlab::supervised {

QuadraticProblem::QuadraticProblem(int workers, const QuadraticOptions& options, std::uint64_t seed)
    : options_(options) {
  if (workers < 1 || options.dimension < 1 || options.rows_per_worker < 1)
    throw std::invalid_argument("quadratic problem: workers, dimension and rows per worker must be >= 1");
  if (options.batch < 0 || options.batch > options.rows_per_worker)
    throw std::invalid_argument("quadratic problem: batch must be between 0 (all rows) and the rows per worker");
  for (const double v : {options.bias_relative, options.bias_absolute, options.gradient_noise})
    if (!std::isfinite(v) || v < 0) throw std::invalid_argument("quadratic problem: bias and noise must be finite numbers >= 0");
  const int d = options.dimension;
  const core::Index rows = core::Index{workers} * options.rows_per_worker;
  core::Rng rng(seed, core::StreamKind::kProblem);
  // Column scales from 1 to 3 give a condition number near 9: slow enough to show momentum,
  // fast enough for tests.
  a_.resize(rows, d);
  for (int j = 0; j < d; ++j) {
    const double scale = 1.0 + 2.0 * j / std::max(d - 1, 1);
    for (core::Index r = 0; r < rows; ++r) a_(r, j) = scale * rng.Normal();
  }
  Eigen::VectorXd truth(d);
  for (int j = 0; j < d; ++j) truth[j] = rng.Normal();
  b_ = a_ * truth;
  for (core::Index r = 0; r < rows; ++r) b_[r] += options.noise * rng.Normal();
  hessian_ = a_.transpose() * a_ / static_cast<double>(rows);
  optimum_ = hessian_.ldlt().solve(a_.transpose() * b_ / static_cast<double>(rows));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(hessian_);
  convexity_ = eig.eigenvalues().minCoeff();
  smoothness_ = eig.eigenvalues().maxCoeff();
  // The bias's directions come after the data from the same stream: a problem without bias
  // is the same problem as before they existed.
  if (options.bias_relative > 0) {
    field_.resize(d, d + 1);
    for (Eigen::Index j = 0; j <= d; ++j)
      for (int i = 0; i < d; ++i) field_(i, j) = rng.Normal();
  }
  bias_direction_ = Eigen::VectorXd::Zero(d);
  if (options.bias_absolute > 0) {
    for (int j = 0; j < d; ++j) bias_direction_[j] = rng.Normal();
    bias_direction_.normalize();
  }
}

core::OracleResult QuadraticProblem::Estimate(int worker, const core::Vector& x, core::Rng& rng,
                                              Eigen::Ref<core::Vector> gradient) {
  const core::Index m = options_.rows_per_worker, first = core::Index{worker} * m;
  // Accumulated in double, in scratch of the calling thread: no allocation per round.
  thread_local Eigen::VectorXd g;
  g.setZero(a_.cols());
  double loss = 0;
  core::Index used = 0;
  const auto add_row = [&](core::Index r) {
    const double residual = a_.row(r).dot(x.cast<double>()) - b_[r];
    loss += 0.5 * residual * residual;
    g += residual * a_.row(r).transpose();
    ++used;
  };
  if (options_.batch == 0) {
    for (core::Index r = first; r < first + m; ++r) add_row(r);
  } else {
    core::SelectionSample(m, options_.batch, rng, [&](core::Index i, bool picked) {
      if (picked) add_row(first + i);
    });
  }
  g /= static_cast<double>(used);
  if (options_.bias_relative > 0) {
    thread_local Eigen::VectorXd u;
    u.noalias() = field_.leftCols(a_.cols()) * x.cast<double>();
    u += field_.col(a_.cols());
    const double norm = u.norm();
    if (norm > 0) g += (options_.bias_relative * g.norm() / norm) * u;
  }
  g += options_.bias_absolute * bias_direction_;
  if (options_.gradient_noise > 0)
    for (Eigen::Index j = 0; j < g.size(); ++j) g[j] += options_.gradient_noise * rng.Normal();
  gradient = g.cast<float>();
  return {loss / static_cast<double>(used)};
}

double QuadraticProblem::Loss(const Eigen::VectorXd& x) const {
  return 0.5 * (a_ * x - b_).squaredNorm() / static_cast<double>(a_.rows());
}

Eigen::VectorXd QuadraticProblem::Gradient(const Eigen::VectorXd& x) const {
  return a_.transpose() * (a_ * x - b_) / static_cast<double>(a_.rows());
}

}  // namespace pmlab::supervised
