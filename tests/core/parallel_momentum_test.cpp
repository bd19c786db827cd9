#include "core/opt/parallel_momentum.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

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

// A round of `steps` steps on one draw: worker i sends g = x - c_i, where c_i is drawn from
// its stream at step 0 only, and reports the distance |x - x_start| as its drift.
class ReusingOracle final : public GradientOracle {
 public:
  ReusingOracle(int workers, int steps, double stop_above) : centres_(workers), steps_(steps), stop_above_(stop_above) {}
  Index Dimension() const override { return 1; }
  RoundPlan Plan() const override { return {steps_, stop_above_}; }
  void BeginStep(std::int64_t, int step, const Vector&) override { step_ = step; }
  OracleResult Estimate(int worker, const Vector& x, Rng& rng, Eigen::Ref<Vector> g) override {
    Slot& slot = centres_[static_cast<std::size_t>(worker)];
    if (step_ == 0) {
      slot.centre = static_cast<float>(rng.Uniform());
      slot.start = x[0];
      slot.estimates = 0;
    }
    ++slot.estimates;
    g[0] = x[0] - slot.centre;
    return {0.5 * g[0] * g[0], std::abs(x[0] - slot.start)};
  }
  void MergeWorkers(std::int64_t, const Vector&) override {
    merged_ = 0;
    for (const Slot& slot : centres_) merged_ += slot.estimates;
  }
  int merged() const { return merged_; }

 private:
  struct Slot {
    float centre = 0, start = 0;
    int estimates = 0;
  };
  std::vector<Slot> centres_;
  int steps_;
  double stop_above_;
  int step_ = 0;
  int merged_ = 0;
};

TEST(ParallelMomentumTest, ARoundOfSeveralStepsReusesItsDrawAndStopsOnDrift) {
  ParallelMomentumOptions o;
  o.workers = 3;
  o.momentum.lr = 0.5;
  o.momentum.beta = 1.0;
  o.seed = 9;
  // Four steps of gradient descent on the mean of the three drawn centres c: x <- x - 0.5 (x - c).
  ReusingOracle four(3, 4, std::numeric_limits<double>::infinity());
  WorkerPool pool(2);
  ParallelMomentum method(o, four, pool, Vector::Constant(1, 4.0f), 10);
  const RoundStats r = method.Step();
  EXPECT_EQ(r.steps, 4);
  EXPECT_EQ(four.merged(), 12);  // every step's estimates, merged once at the round's end
  EXPECT_EQ(method.state().iteration, 1);
  EXPECT_EQ(method.state().steps, 4);
  Rng streams[3] = {Rng(9, StreamKind::kWorker, 0), Rng(9, StreamKind::kWorker, 1), Rng(9, StreamKind::kWorker, 2)};
  float mean = 0;
  for (Rng& rng : streams) mean += static_cast<float>(rng.Uniform());
  mean /= 3;
  const float gap = 4.0f - mean;
  EXPECT_NEAR(method.state().x[0], mean + gap / 16, 1e-5);  // the gap halves each step
  EXPECT_EQ(r.grad_norm, std::abs(gap)) << "the first step's average";

  // With a drift limit of 0.6 gap the round stops before its third step: after two steps x has
  // moved gap/2 + gap/4 = 0.75 gap from where the workers drew.
  ReusingOracle limited(3, 4, 0.6 * gap);
  ParallelMomentum stopped(o, limited, pool, Vector::Constant(1, 4.0f), 10);
  const RoundStats s = stopped.Step();
  EXPECT_EQ(s.steps, 2);
  EXPECT_TRUE(s.finite);
  EXPECT_EQ(stopped.state().iteration, 1);
  EXPECT_EQ(stopped.state().steps, 2);
  EXPECT_EQ(limited.merged(), 9) << "the dropped step's estimates are in the slots too";
  EXPECT_NEAR(stopped.state().x[0], mean + gap / 4, 1e-5);
  // Identical on one thread.
  WorkerPool one(1);
  ReusingOracle again(3, 4, 0.6 * gap);
  ParallelMomentum serial(o, again, one, Vector::Constant(1, 4.0f), 10);
  serial.Step();
  EXPECT_EQ(serial.state().x, stopped.state().x);
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

// A finite average whose step overflows one coordinate of x, past the vectorised part of the
// finiteness check.
class OverflowOracle final : public GradientOracle {
 public:
  Index Dimension() const override { return 37; }
  OracleResult Estimate(int, const Vector&, Rng&, Eigen::Ref<Vector> g) override {
    g.setZero();
    g[33] = 1e38f;  // the two workers' sum, 2e38, still fits a float
    return {1.0};
  }
};

TEST(ParallelMomentumTest, StepThatOverflowsTheParametersDiverges) {
  OverflowOracle oracle;
  WorkerPool pool(1);
  ParallelMomentumOptions o;
  o.workers = 2;
  o.momentum.lr = 10;
  ParallelMomentum method(o, oracle, pool, Vector::Ones(37), 5);
  const RoundStats r = method.Step();
  EXPECT_FALSE(r.finite);
  EXPECT_TRUE(std::isfinite(r.grad_norm)) << "the average itself was finite";
}

}  // namespace
}  // namespace pmlab::core
