#include "supervised/quadratic_problem.h"

#include <stdexcept>

#include "core/opt/sampling.h"

namespace pmlab::supervised {

QuadraticProblem::QuadraticProblem(int workers, const QuadraticOptions& options, std::uint64_t seed)
    : options_(options) {
  if (workers < 1 || options.dimension < 1 || options.rows_per_worker < 1)
    throw std::invalid_argument("quadratic problem: workers, dimension and rows per worker must be >= 1");
  if (options.batch < 0 || options.batch > options.rows_per_worker)
    throw std::invalid_argument("quadratic problem: batch must be between 0 (all rows) and the rows per worker");
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
  gradient = (g / static_cast<double>(used)).cast<float>();
  return {loss / static_cast<double>(used)};
}

double QuadraticProblem::Loss(const Eigen::VectorXd& x) const {
  return 0.5 * (a_ * x - b_).squaredNorm() / static_cast<double>(a_.rows());
}

Eigen::VectorXd QuadraticProblem::Gradient(const Eigen::VectorXd& x) const {
  return a_.transpose() * (a_ * x - b_) / static_cast<double>(a_.rows());
}

}  // namespace pmlab::supervised
