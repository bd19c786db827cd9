// End to end (slow): exact MAML through the momentum server learns an initialisation that
// adapts to new sine tasks in one step (Finn et al. 2017, Sec. 5.1).
#include <gtest/gtest.h>

#include <cstdio>

#include "core/opt/parallel_momentum.h"
#include "metalearn/meta_oracle.h"
#include "metalearn/sine_tasks.h"

namespace pmlab::metalearn {
namespace {

// Mean query MSE after one adaptation step on `count` tasks from a stream no training uses.
double HeldOutLoss(const core::MlpShape& shape, const core::Vector& x, int count) {
  SineTasks family({10, 100});
  MetaGradient<float> adapter(shape, core::LossHead::kMeanSquaredError, {0.01, 1}, MetaAlgorithm::kMaml);
  core::Rng rng(123456, core::StreamKind::kData);
  TaskBatch<float> task;
  double sum = 0;
  for (int t = 0; t < count; ++t) {
    family.Sample(rng, task);
    sum += adapter.AdaptedLoss(x, task);
  }
  return sum / count;
}

TEST(SineMetaTrainingTest, MamlWithMomentumLowersThePostAdaptationLoss) {
  SineTasks family({10, 10});
  const core::MlpShape shape{{1, 40, 40, 1}};
  MetaOracle oracle(std::make_shared<SineTasks>(family), shape, {0.01, 1}, MetaAlgorithm::kMaml, 5);
  core::WorkerPool pool(2);
  core::ParallelMomentumOptions o;
  o.workers = 5;
  o.seed = 1;
  o.momentum.lr = 0.01;
  o.momentum.beta = 0.1;
  core::Vector x(shape.ParameterCount());
  core::Rng init(1, core::StreamKind::kInit);
  core::Mlp<float>::Initialize(shape, init, x);
  const double before = HeldOutLoss(shape, x, 300);
  core::ParallelMomentum method(o, oracle, pool, x, 3000);
  for (int k = 0; k < 3000; ++k) ASSERT_TRUE(method.Step().finite) << k;
  const double after = HeldOutLoss(shape, method.state().x, 300);
  std::printf("held-out post-adaptation MSE: %.3f before, %.3f after 3000 meta-iterations\n", before, after);
  EXPECT_LT(after, 0.5 * before);
}

}  // namespace
}  // namespace pmlab::metalearn
