#include <gtest/gtest.h>

#include "core/opt/parallel_momentum.h"
#include "metalearn/linear_regression_tasks.h"
#include "metalearn/meta_oracle.h"
#include "metalearn/sine_tasks.h"

namespace pmlab::metalearn {
namespace {

TEST(LinearRegressionTasksTest, ExactMamlOnFullBatchesEqualsTheClosedForm) {
  const int p = 4;
  LinearRegressionTasks family({p, 1.0, 0.0}, {10, 10}, 7);
  core::Rng rng(3);
  const Eigen::VectorXd w = family.SampleWeights(rng);
  Eigen::VectorXd theta(p + 1);
  for (auto& t : theta) t = rng.Normal();
  TaskBatch<double> task;
  LinearRegressionTasks::ExactDesign(w, task.support_inputs, task.support_targets);
  LinearRegressionTasks::ExactDesign(w, task.query_inputs, task.query_targets);
  for (int steps : {1, 3}) {
    MetaGradient<double> maml(core::MlpShape{{p, 1}}, core::LossHead::kMeanSquaredError, {0.1, steps}, MetaAlgorithm::kMaml);
    Eigen::VectorXd g(p + 1);
    maml.Estimate(theta, task, g);
    const Eigen::VectorXd exact = LinearRegressionTasks::TaskMamlGradient(theta, w, 0.1, steps);
    EXPECT_LT((g - exact).norm(), 1e-10 * exact.norm()) << steps << " steps";
  }
}

TEST(SineTasksTest, SamplesFollowFinnEtAl) {
  SineTasks family({10, 15});
  core::Rng a(1), b(1), c(2);
  TaskBatch<float> ta, tb, tc;
  for (int i = 0; i < 200; ++i) {
    family.Sample(a, ta);
    family.Sample(b, tb);
    family.Sample(c, tc);
    ASSERT_EQ(ta.support_inputs.cols(), 10);
    ASSERT_EQ(ta.query_inputs.cols(), 15);
    EXPECT_EQ(ta.support_targets, tb.support_targets);
    EXPECT_NE(ta.support_targets, tc.support_targets);
    EXPECT_LE(ta.support_inputs.cwiseAbs().maxCoeff(), 5.0f);
    EXPECT_LE(ta.query_targets.cwiseAbs().maxCoeff(), 5.0f);
  }
}

TEST(MetaOracleTest, MetaTrainingIsBitIdenticalForOneTwoAndFourThreads) {
  SineTasks family({10, 10});
  const core::MlpShape shape{{1, 40, 40, 1}};
  std::vector<core::Vector> results;
  for (int threads : {1, 2, 4}) {
    MetaOracle oracle(std::make_shared<SineTasks>(family), shape, {0.01, 1}, MetaAlgorithm::kMaml, 5);
    core::WorkerPool pool(threads);
    core::ParallelMomentumOptions o;
    o.workers = 5;
    o.seed = 9;
    o.momentum.lr = 0.001;
    o.momentum.beta = 0.1;
    core::Vector x(shape.ParameterCount());
    core::Rng init(9, core::StreamKind::kInit);
    core::Mlp<float>::Initialize(shape, init, x);
    core::ParallelMomentum method(o, oracle, pool, x, 30);
    for (int k = 0; k < 30; ++k) ASSERT_TRUE(method.Step().finite);
    results.push_back(method.state().x);
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
}

}  // namespace
}  // namespace pmlab::metalearn
