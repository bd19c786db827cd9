// The theory of Beikmohammadi, Khirirat and Magnusson (2025) checked on the quadratic with
// controlled bias, where the limit and the rate have closed forms: with an absolute bias zeta
// the momentum method (any beta) converges linearly to x* - H^{-1} zeta e, whose suboptimality
// zeta^2 e^T H^{-1} e / 2 grows like zeta^2 (slope 2 on log-log); its rate is the spectral radius
// of the iteration on H's eigenvalues, 1 - gamma mu to first order in gamma mu, as the mu-PL
// analysis predicts, for beta = 1 and beta = 0.1.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "core/opt/parallel_momentum.h"
#include "supervised/quadratic_problem.h"

namespace pmlab::supervised {
namespace {

constexpr int kWorkers = 4;

// The iterates of the momentum method from 0 for `rounds` rounds.
std::vector<Eigen::VectorXd> Iterates(QuadraticProblem& p, double lr, double beta, int rounds) {
  core::WorkerPool pool(2);
  core::ParallelMomentumOptions o;
  o.workers = kWorkers;
  o.momentum.lr = lr;
  o.momentum.beta = beta;
  core::ParallelMomentum method(o, p, pool, core::Vector::Zero(p.Dimension()), rounds);
  std::vector<Eigen::VectorXd> x;
  for (int k = 0; k < rounds; ++k) {
    method.Step();
    x.push_back(method.state().x.cast<double>());
  }
  return x;
}

// The rate of the method along H's eigenvector of eigenvalue h: v' = (1-b) v + b h d,
// d' = d - lr v' is heavy ball with step lr b and momentum 1 - b, whose slower root has this
// modulus.
double PredictedRate(double h, double lr, double beta) {
  const double trace = 2 - beta - lr * beta * h, det = 1 - beta;
  const std::complex<double> root = std::sqrt(std::complex<double>(trace * trace - 4 * det));
  return std::max(std::abs((trace + root) / 2.0), std::abs((trace - root) / 2.0));
}

QuadraticOptions WithBias(double zeta) {
  QuadraticOptions q;
  q.bias_absolute = zeta;
  return q;
}

TEST(QuadraticTheoryTest, TheNeighbourhoodIsTheClosedFormAndGrowsLikeZetaSquared) {
  for (const double beta : {0.1, 1.0}) {
    std::vector<double> log_zeta, log_gap;
    for (const double zeta : {0.01, 0.03, 0.1, 0.3, 1.0}) {
      QuadraticProblem p(kWorkers, WithBias(zeta), 3);
      const std::vector<Eigen::VectorXd> x = Iterates(p, 0.5 / p.Smoothness(), beta, 3000);
      const double gap = p.Loss(x.back()) - p.Loss(p.Optimum());
      const Eigen::VectorXd& e = p.AbsoluteBiasDirection();
      const double predicted = 0.5 * zeta * zeta * e.dot(p.Hessian().ldlt().solve(e));
      EXPECT_NEAR(gap / predicted, 1.0, 1e-3) << "beta " << beta << ", zeta " << zeta;
      log_zeta.push_back(std::log(zeta));
      log_gap.push_back(std::log(gap));
    }
    // Least-squares slope of log gap on log zeta.
    const double n = static_cast<double>(log_zeta.size());
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < log_zeta.size(); ++i) {
      sx += log_zeta[i];
      sy += log_gap[i];
      sxx += log_zeta[i] * log_zeta[i];
      sxy += log_zeta[i] * log_gap[i];
    }
    const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    EXPECT_NEAR(slope, 2.0, 0.01) << "beta " << beta;
  }
}

TEST(QuadraticTheoryTest, ConvergenceIsLinearAtTheRateGammaMuPredicts) {
  const double zeta = 0.1;
  for (const double beta : {0.1, 1.0}) {
    for (const double scaled_lr : {0.05, 0.1, 0.3}) {
      QuadraticProblem p(kWorkers, WithBias(zeta), 3);
      const double lr = scaled_lr / p.Smoothness(), mu = p.StrongConvexity();
      const Eigen::VectorXd limit = p.Optimum() - p.Hessian().ldlt().solve(zeta * p.AbsoluteBiasDirection());
      const std::vector<Eigen::VectorXd> x = Iterates(p, lr, beta, 6000);
      // The slowest direction, H's eigenvector of eigenvalue mu: the distance to the limit along
      // it (exactly one mode of the iteration, so no other eigenvalue blurs the rate), over the
      // stretch where it falls from 0.3 to 0.003 of where it started: past momentum's fast root,
      // and above where steps of float parameters start to round away.
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(p.Hessian());
      const Eigen::VectorXd slowest = eig.eigenvectors().col(0);
      const auto along = [&](int k) { return std::abs(slowest.dot(x[k] - limit)); };
      const double start = std::abs(slowest.dot(limit));
      int first = -1, last = -1;
      for (int k = 0; k < static_cast<int>(x.size()); ++k) {
        if (first < 0 && along(k) < 0.3 * start) first = k;
        if (along(k) < 0.003 * start) {
          last = k;
          break;
        }
      }
      ASSERT_GT(first, 0) << "beta " << beta << ", gamma L " << scaled_lr;
      ASSERT_GT(last, first + 10) << "beta " << beta << ", gamma L " << scaled_lr;
      const double measured = std::pow(along(last) / along(first), 1.0 / (last - first));
      const double predicted = PredictedRate(mu, lr, beta);
      EXPECT_NEAR(std::log(measured) / std::log(predicted), 1.0, 0.01) << "beta " << beta << ", gamma L " << scaled_lr;
      // To first order in gamma mu (gamma mu much smaller than beta) the rate is 1 - gamma mu,
      // the mu-PL analysis's, whatever beta.
      if (lr * mu < beta / 20) {
        EXPECT_NEAR(-std::log(measured) / (lr * mu), 1.0, 0.05) << "beta " << beta << ", gamma L " << scaled_lr;
      }
    }
  }
}

TEST(QuadraticTheoryTest, RelativeBiasAndNoiseAreWhatTheyClaim) {
  QuadraticOptions q;
  q.bias_relative = 0.3;
  q.gradient_noise = 0.5;
  QuadraticProblem biased(kWorkers, q, 3), exact(kWorkers, QuadraticOptions{}, 3);
  const core::Vector x = core::Vector::LinSpaced(20, -1, 1);
  core::Vector g(20), g0(20);
  // Relative bias alone: of norm m |grad f_i|.
  q.gradient_noise = 0;
  QuadraticProblem relative(kWorkers, q, 3);
  core::Rng rng(1);
  relative.Estimate(1, x, rng, g);
  exact.Estimate(1, x, rng, g0);
  EXPECT_NEAR((g - g0).norm() / g0.norm(), 0.3, 1e-5);
  // Noise: mean zero, standard deviation sigma per coordinate, over many draws.
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(20), squares = Eigen::VectorXd::Zero(20);
  const int draws = 4000;
  core::Vector with_bias(20);
  for (int k = 0; k < draws; ++k) {
    biased.Estimate(1, x, rng, g);
    const Eigen::VectorXd noise = (g - g0).cast<double>() - (relative.Estimate(1, x, rng, with_bias), (with_bias - g0).cast<double>());
    sum += noise;
    squares += noise.cwiseAbs2();
  }
  const Eigen::VectorXd mean = sum / draws, sd = (squares / draws - mean.cwiseAbs2()).cwiseSqrt();
  EXPECT_LT(mean.cwiseAbs().maxCoeff(), 4 * 0.5 / std::sqrt(draws));
  EXPECT_NEAR(sd.mean(), 0.5, 0.01);
  // The problem without bias options is the problem as it always was.
  QuadraticProblem plain(kWorkers, QuadraticOptions{}, 3);
  EXPECT_EQ(plain.Optimum(), exact.Optimum());
}

}  // namespace
}  // namespace pmlab::supervised
