#include "supervised/quadratic_problem.h"

#include <gtest/gtest.h>

#include "core/opt/parallel_momentum.h"

namespace pmlab::supervised {
namespace {

using core::Vector;

TEST(QuadraticProblemTest, GradientsMatchTheClosedForm) {
  QuadraticProblem p(4, {}, 3);
  EXPECT_LT(p.Gradient(p.Optimum()).norm(), 1e-10);
  EXPECT_GT(p.StrongConvexity(), 0.0);
  EXPECT_GE(p.Smoothness(), p.StrongConvexity());
  // The workers' full-batch gradients average to the global gradient.
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(20, -1, 1);
  Vector sum = Vector::Zero(20), g(20);
  core::Rng rng(0);
  for (int w = 0; w < 4; ++w) {
    p.Estimate(w, x.cast<float>(), rng, g);
    sum += g;
  }
  EXPECT_LT((sum.cast<double>() / 4 - p.Gradient(x)).norm(), 1e-4 * p.Gradient(x).norm());
}

// Adds a fixed vector to every worker's gradient: the simplest biased estimator.
class ShiftedOracle final : public core::GradientOracle {
 public:
  ShiftedOracle(QuadraticProblem& inner, Vector shift) : inner_(inner), shift_(std::move(shift)) {}
  core::Index Dimension() const override { return inner_.Dimension(); }
  core::OracleResult Estimate(int w, const Vector& x, core::Rng& rng, Eigen::Ref<Vector> g) override {
    const auto r = inner_.Estimate(w, x, rng, g);
    g += shift_;
    return r;
  }

 private:
  QuadraticProblem& inner_;
  Vector shift_;
};

std::vector<double> Distances(core::GradientOracle& oracle, const QuadraticProblem& p, const Eigen::VectorXd& target,
                              double beta, int rounds) {
  core::WorkerPool pool(2);
  core::ParallelMomentumOptions o;
  o.workers = 4;
  o.momentum.lr = 1.0 / p.Smoothness();
  o.momentum.beta = beta;
  core::ParallelMomentum method(o, oracle, pool, Vector::Zero(p.Dimension()), rounds);
  std::vector<double> d;
  for (int k = 0; k < rounds; ++k) {
    method.Step();
    d.push_back((method.state().x.cast<double>() - target).norm());
  }
  return d;
}

TEST(QuadraticProblemTest, MomentumConvergesLinearlyToTheOptimumWithoutBias) {
  QuadraticProblem p(4, {}, 3);
  for (double beta : {1.0, 0.5, 0.1}) {
    const auto d = Distances(p, p, p.Optimum(), beta, 400);
    const double start = p.Optimum().norm();
    // Linear rate: a fixed fraction of the distance disappears over every 100 rounds until
    // float precision is reached.
    EXPECT_LT(d[99], 0.1 * start) << beta;
    EXPECT_LT(d[199], std::max(0.1 * d[99], 1e-5 * start)) << beta;
    EXPECT_LT(d[399], 1e-4 * start) << beta;
  }
}

TEST(QuadraticProblemTest, FixedBiasMovesTheLimitToTheClosedFormPoint) {
  QuadraticProblem p(4, {}, 3);
  Vector shift = Vector::Zero(20);
  shift[0] = 0.5f;
  shift[7] = -0.25f;
  ShiftedOracle biased(p, shift);
  // Fixed point: grad f(x) + shift = 0, so x = x* - H^{-1} shift; within ||shift|| / mu of x*.
  const Eigen::VectorXd limit = p.Optimum() - p.Hessian().ldlt().solve(shift.cast<double>());
  const double offset = (limit - p.Optimum()).norm();
  EXPECT_LE(offset, shift.norm() / p.StrongConvexity());
  for (double beta : {1.0, 0.1}) {
    const auto to_limit = Distances(biased, p, limit, beta, 400);
    EXPECT_LT(to_limit.back(), 1e-4 * p.Optimum().norm()) << beta;
    const auto to_optimum = Distances(biased, p, p.Optimum(), beta, 400);
    EXPECT_NEAR(to_optimum.back(), offset, 1e-3 * offset) << beta;
  }
}

}  // namespace
}  // namespace pmlab::supervised
