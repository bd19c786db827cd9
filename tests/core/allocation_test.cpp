// After warm-up, an iteration of the method allocates nothing on the heap: malloc and its
// relatives are counted here, which sees Eigen's and TBB's allocations as well as operator new.
// A binary of its own, as it replaces the C allocator; not built under the sanitizers, which
// replace it themselves.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/nn/image_dataset.h"
#include "core/opt/parallel_momentum.h"
#include "metalearn/meta_oracle.h"
#include "metalearn/sine_tasks.h"
#include "rl/policy.h"
#include "rl/rollout.h"
#include "envs/registry.h"
#include "supervised/classification_oracle.h"
#include "supervised/quadratic_problem.h"

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
std::atomic<long> large_allocations{0};  // of 64 KiB or more: blocks whose pages the C library gives back to the kernel
void Count(std::size_t bytes = 0) {
  if (!counting.load(std::memory_order_relaxed)) return;
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (bytes >= 65536) large_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  Count(n);
  return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t size) {
  Count(count * size);
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t n) {
  Count(n);
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  Count(n);
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** p, std::size_t alignment, std::size_t n) {
  Count(n);
  *p = __libc_memalign(alignment, n);
  return *p ? 0 : ENOMEM;
}
}

namespace pmlab {
namespace {

// The fewest allocations in any of three windows of `iterations` steps, after `warm_up` steps.
// Per-thread scratch is built the first time a thread serves, and TBB may bring a fresh OS
// thread into the arena at any time under load; an allocation made every iteration would show
// in every window, so one clean window proves there is none.
long AllocationsPerRun(core::ParallelMomentum& method, int warm_up, int iterations) {
  for (int i = 0; i < warm_up; ++i) method.Step();
  long fewest = -1;
  for (int window = 0; window < 3 && fewest != 0; ++window) {
    allocations = 0;
    counting = true;
    for (int i = 0; i < iterations; ++i) method.Step();
    counting = false;
    fewest = fewest < 0 ? allocations.load() : std::min(fewest, allocations.load());
  }
  return fewest;
}

core::ParallelMomentumOptions WithBiasedWorkers(int workers) {
  core::ParallelMomentumOptions o;
  o.workers = workers;
  o.momentum.lr = 0.001;
  o.transform.compress = "topk:0.1";
  o.transform.error_feedback = "ef";
  return o;
}

TEST(AllocationTest, MetaIterationsAllocateNothingAfterWarmUp) {
  const core::MlpShape shape{{1, 40, 40, 1}};
  for (const auto algorithm : {metalearn::MetaAlgorithm::kMaml, metalearn::MetaAlgorithm::kMetaSgd})
    for (const int steps : {1, 5})
      for (const int threads : {1, 2}) {
        auto family = std::make_shared<metalearn::SineTasks>(metalearn::TaskSizes{10, 10});
        metalearn::MetaOracle oracle(family, shape, {0.01, steps}, algorithm, 5);
        core::WorkerPool pool(threads);
        core::Rng rng(1);
        core::ParallelMomentum method(WithBiasedWorkers(5), oracle, pool,
                                      metalearn::MetaGradient<float>::Initial(shape, algorithm, 0.01, rng), 1 << 30);
        // Each thread's scratch warms up the first time it meets each worker's shapes.
        EXPECT_EQ(AllocationsPerRun(method, 50, 150), 0) << "steps " << steps << ", threads " << threads;
      }
}

TEST(AllocationTest, SupervisedRoundsAllocateNothingAfterWarmUp) {
  supervised::QuadraticOptions q;
  q.dimension = 50;
  q.rows_per_worker = 40;
  q.batch = 8;
  supervised::QuadraticProblem problem(8, q, 3);
  core::WorkerPool pool(2);
  core::ParallelMomentum method(WithBiasedWorkers(8), problem, pool, core::Vector::Zero(50), 1 << 30);
  EXPECT_EQ(AllocationsPerRun(method, 50, 300), 0);
}

TEST(AllocationTest, FashionMnistMinibatchRoundsAllocateNothingAfterWarmUp) {
  auto data = std::make_shared<const core::ImageDataset>(core::LoadMnistSplit(core::kFashionMnistDir, "train"));
  const core::MlpShape shape{{784, 64, 10}};
  supervised::ClassificationOracle oracle(data, supervised::Shards(data->labels, 6, supervised::ShardMode::kIid, 1), shape, 50);
  core::WorkerPool pool(2);
  core::Rng rng(1);
  core::Vector x(shape.ParameterCount());
  core::Mlp<float>::Initialize(shape, rng, x);
  core::ParallelMomentum method(WithBiasedWorkers(6), oracle, pool, x, 1 << 30);
  EXPECT_EQ(AllocationsPerRun(method, 30, 100), 0);
}

// The allocations of one environment reset: Box2D environments build a fresh world per
// episode, as Gymnasium's do; stepping allocates nothing.
long ResetAllocations(const std::string& spec) {
  const auto env = envs::MakeEnvironment(spec);
  env->Reset(1);
  allocations = 0;
  counting = true;
  env->Reset(2);
  counting = false;
  return allocations.load();
}

// Rollouts step their environments and the batched policy without allocating: a collection
// after warm-up allocates for its episodes' resets and for gathering the batch (whose size
// varies; a few blocks per iteration), never per step.
TEST(AllocationTest, RolloutsAllocateNothingPerStep) {
  for (const char* env : {"CartPole-v1", "LunarLander-v3", "LunarLander-v3(continuous=true)", "BipedalWalker-v3"})
    for (const int budget : {0, 400}) {
      SCOPED_TRACE(std::string(env) + (budget ? ", step budget" : ", whole episodes"));
      rl::RolloutOptions o;
      o.env = env;
      o.horizon = 200;
      o.environments = 4;
      o.steps_per_environment = budget;
      rl::RolloutCollector rollout(o);
      const auto policy = rl::MakePolicy<float>({}, rollout.observation_space(), rollout.action_space());
      core::Vector params(policy->ParameterCount());
      core::Rng rng(1);
      policy->Initialize(rng, params);
      rl::ObservationNormalizer normalizer(rollout.observation_space().Dimension(), true);
      rl::RunningMoments moments(rollout.observation_space().Dimension());
      for (int i = 0; i < 5; ++i) rollout.Collect(*policy, params, normalizer, rng, &moments);
      const long per_reset = ResetAllocations(env);
      long excess = -1;  // allocations beyond the resets', fewest over three collections
      for (int window = 0; window < 3; ++window) {
        allocations = 0;
        counting = true;
        rollout.Collect(*policy, params, normalizer, rng, &moments);
        counting = false;
        const long beyond = allocations.load() - per_reset * static_cast<long>(rollout.episodes().size());
        excess = excess < 0 ? beyond : std::min(excess, beyond);
      }
      // Slack of one per episode: a lander's touchdown makes Box2D contacts, whose blocks the
      // engine may allocate then. An allocation per step would exceed it hundreds of times over.
      const auto episodes = static_cast<long>(rollout.episodes().size());
      EXPECT_LE(excess, 4 + episodes) << episodes << " episodes, " << per_reset << " allocations per reset";
      EXPECT_GT(rollout.observations().cols(), 4 * (4 + episodes));  // so that the slack is far below a step's
    }
}

// A policy acting on a few environments between passes over whole batches (a meta-RL task's
// rollouts, surrogate gradients and Hessian-vector product) keeps its network's memory: after the
// batches seen once, no large block is allocated, whether the next batch is larger or smaller. An
// Eigen matrix resized between a rollout's 20 columns and a batch's thousands would allocate each
// time, and the C library returns such a block's pages to the kernel when it is freed, so the next
// pass faulted them in again. (The log-stds' small vectors are still allocated per call.)
TEST(AllocationTest, PoliciesAlternatingActingAndBatchesAllocateNoLargeBlock) {
  for (const bool continuous : {true, false}) {
    SCOPED_TRACE(continuous ? "Gaussian policy" : "categorical policy");
    const envs::Space observations = envs::Space::Box(Eigen::VectorXd::Zero(2), Eigen::VectorXd::Ones(2));
    const envs::Space actions = continuous ? envs::Space::Box(-Eigen::VectorXd::Ones(2), Eigen::VectorXd::Ones(2)) : envs::Space::Discrete(3);
    rl::PolicyOptions options;
    options.hidden = {100, 100};
    const auto policy = rl::MakePolicy<float>(options, observations, actions);
    core::Vector params(policy->ParameterCount()), gradient(params.size()), product(params.size());
    core::Rng rng(1);
    policy->Initialize(rng, params);
    const core::Vector direction = core::Vector::Ones(params.size());
    const core::Matrix acting_inputs = core::Matrix::Random(2, 20);
    core::Matrix acted;
    const auto iteration = [&](core::Index columns) {
      policy->BeginActing(params, acting_inputs.cols());
      for (int t = 0; t < 3; ++t) policy->Act(params, acting_inputs, rng, false, acted);
      policy->DoneActing();
      const core::Matrix inputs = core::Matrix::Random(2, columns);
      core::Matrix batch_actions(policy->ActionRows(), columns);
      for (core::Index j = 0; j < columns; ++j) batch_actions(0, j) = static_cast<float>(j % 3);
      if (continuous) batch_actions.row(1).setRandom();
      const core::Vector weights = core::Vector::Ones(columns);
      counting = true;  // the batch's own matrices are the caller's, made above
      policy->Surrogate(params, inputs, batch_actions, weights, 0, gradient);
      policy->HessianProductAfterSurrogate(params, inputs, batch_actions, weights, direction, product);
      counting = false;
    };
    const std::vector<core::Index> batches = {2000, 1500, 2000, 700};
    for (const core::Index columns : batches) iteration(columns);  // warm-up (product kernels' buffers grow to the largest)
    large_allocations = 0;
    for (const core::Index columns : batches) iteration(columns);
    EXPECT_EQ(large_allocations.load(), 0);
  }
}

// The counter itself works: an allocation in the counted region is seen.
TEST(AllocationTest, TheCounterSeesAnAllocation) {
  allocations = 0;
  counting = true;
  auto v = std::make_unique<std::vector<double>>(1000);
  large_allocations = 0;
  auto w = std::make_unique<std::vector<float>>(16384);
  counting = false;
  EXPECT_GE(allocations.load(), 4);
  EXPECT_EQ(large_allocations.load(), 1);
}

}  // namespace
}  // namespace pmlab
