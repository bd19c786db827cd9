#include "core/opt/parallel_momentum.h"

#include <gtest/gtest.h>

#include "supervised/quadratic_problem.h"

namespace pmlab::core {
namespace {

using supervised::QuadraticOptions;
using supervised::QuadraticProblem;

struct RunResult {
  Vector x;
  std::vector<double> losses;
};

// A configuration that exercises every source of randomness: minibatches, Rand-K, QSGD-free
// error feedback, worker momentum.
RunResult RunQuadratic(int threads, std::uint64_t seed, const std::string& compress, const std::string& ef,
              MomentumPlacement placement = MomentumPlacement::kServer) {
  QuadraticOptions q;
  q.dimension = 30;
  q.rows_per_worker = 40;
  q.batch = 8;
  QuadraticProblem problem(7, q, seed);
  WorkerPool pool(threads);
  ParallelMomentumOptions o;
  o.workers = 7;
  o.seed = seed;
  o.momentum.lr = 0.05;
  o.momentum.beta = 0.2;
  o.momentum.placement = placement;
  o.transform.compress = compress;
  o.transform.error_feedback = ef;
  ParallelMomentum method(o, problem, pool, Vector::Zero(30), 40);
  RunResult r;
  for (int k = 0; k < 40; ++k) r.losses.push_back(method.Step().train_loss);
  r.x = method.state().x;
  return r;
}

TEST(ParallelMomentumTest, BitIdenticalForOneTwoAndFourThreads) {
  for (const auto& [compress, ef] : {std::pair{"randk:0.2", "ef"}, std::pair{"qsgd:4", "none"},
                                     std::pair{"topk:3", "ef21"}}) {
    const RunResult one = RunQuadratic(1, 5, compress, ef);
    for (int threads : {2, 4}) {
      const RunResult many = RunQuadratic(threads, 5, compress, ef);
      EXPECT_EQ(one.x, many.x) << compress << " threads " << threads;
      EXPECT_EQ(one.losses, many.losses) << compress << " threads " << threads;
    }
  }
  const RunResult worker_one = RunQuadratic(1, 5, "topk:5", "none", MomentumPlacement::kWorker);
  const RunResult worker_four = RunQuadratic(4, 5, "topk:5", "none", MomentumPlacement::kWorker);
  EXPECT_EQ(worker_one.x, worker_four.x);
}

TEST(ParallelMomentumTest, DifferentSeedsGiveDifferentRuns) {
  EXPECT_NE(RunQuadratic(2, 5, "randk:0.2", "none").x, RunQuadratic(2, 6, "randk:0.2", "none").x);
}

// A hand-rolled oracle whose worker i always returns (i + 1) * e_0 with loss i.
class ConstantOracle final : public GradientOracle {
 public:
  Index Dimension() const override { return 3; }
  OracleResult Estimate(int worker, const Vector&, Rng&, Eigen::Ref<Vector> g) override {
    g.setZero();
    g[0] = static_cast<float>(worker + 1);
    return {static_cast<double>(worker)};
  }
};

TEST(ParallelMomentumTest, AveragesMessagesAndReportsMetrics) {
  ConstantOracle oracle;
  WorkerPool pool(2);
  ParallelMomentumOptions o;
  o.workers = 4;
  o.momentum.lr = 1.0;
  o.momentum.beta = 1.0;
  ParallelMomentum method(o, oracle, pool, Vector::Zero(3), 5);
  const RoundStats r = method.Step();
  EXPECT_EQ(method.average()[0], 2.5f);  // (1 + 2 + 3 + 4) / 4
  EXPECT_EQ(method.state().x[0], -2.5f);
  EXPECT_EQ(r.train_loss, 1.5);
  EXPECT_EQ(r.grad_norm, 2.5);
  EXPECT_EQ(r.transform_error, 0.0);
  EXPECT_EQ(r.bits, 4 * 32 * 3);
  EXPECT_EQ(r.iteration, 1);
  EXPECT_TRUE(r.finite);
}

class NanOracle final : public GradientOracle {
 public:
  Index Dimension() const override { return 2; }
  OracleResult Estimate(int, const Vector&, Rng&, Eigen::Ref<Vector> g) override {
    g.setConstant(std::nanf(""));
    return {std::nan("")};
  }
};

TEST(ParallelMomentumTest, NonFiniteRoundLeavesParametersUntouched) {
  NanOracle oracle;
  WorkerPool pool(1);
  ParallelMomentumOptions o;
  o.workers = 2;
  ParallelMomentum method(o, oracle, pool, Vector::Ones(2), 5);
  const RoundStats r = method.Step();
  EXPECT_FALSE(r.finite);
  EXPECT_EQ(method.state().x, Vector::Ones(2));
  EXPECT_EQ(method.state().iteration, 0);
}

}  // namespace
}  // namespace pmlab::core
