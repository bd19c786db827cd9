// Benchmarks behind docs/benchmarks.md (figures there, never assertions in tests).
//   build/bench/pmlab_bench                       all of them
//   build/bench/pmlab_bench --benchmark_filter=TopK
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include "core/opt/compressor.h"
#include "core/opt/fixed_order_sum.h"
#include "core/nn/mlp.h"
#include "core/opt/parallel_momentum.h"
#include "envs/registry.h"
#include "metalearn/meta_oracle.h"
#include "metalearn/sine_tasks.h"
#include "metarl/meta_policy_oracle.h"
#include "rl/policy_gradient_oracle.h"
#include "rl/rollout.h"
#include "supervised/classification_oracle.h"
#include "core/run/run_checkpoint.h"
#include "peak_flops.h"

namespace pmlab {
namespace {

constexpr core::Index kPaperDimension = 669706;  // FCNN 784-512-512-10

core::Vector Gaussian(core::Index d) {
  core::Rng rng(1);
  core::Vector v(d);
  for (core::Index i = 0; i < d; ++i) v[i] = static_cast<float>(rng.Normal());
  return v;
}

void Compress(benchmark::State& state, const char* spec) {
  const core::Vector g = Gaussian(kPaperDimension);
  const auto compressor = core::MakeCompressor(spec, kPaperDimension);
  core::Vector out(kPaperDimension);
  core::Rng rng(2);
  for (auto _ : state) {
    compressor->Compress(g, out, rng);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK_CAPTURE(Compress, TopK_2pct, "topk:0.02")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Compress, TopK_10pct, "topk:0.1")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Compress, RandK_2pct, "randk:0.02")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Compress, ScaledSign, "sign")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Compress, Qsgd_16, "qsgd:16")->Unit(benchmark::kMillisecond);

// The server's fixed-order sum of n messages of the paper's dimension, on 2 threads: dense
// messages against Top-2% ones, which stay (index, value) pairs until a partial sum is half full.
void ServerSum(benchmark::State& state, const char* spec) {
  const auto n = static_cast<int>(state.range(0));
  const auto compressor = core::MakeCompressor(spec, kPaperDimension);
  std::vector<core::Message> sent(static_cast<std::size_t>(n));
  core::Rng rng(3);
  for (auto& m : sent) {
    core::Vector g(kPaperDimension);
    for (core::Index i = 0; i < kPaperDimension; ++i) g[i] = static_cast<float>(rng.Normal());
    compressor->Encode(g, m, rng);
  }
  core::WorkerPool pool(2);
  std::vector<core::Message> nodes = sent;
  core::Vector sum;
  for (auto _ : state) {
    state.PauseTiming();
    for (std::size_t i = 0; i < sent.size(); ++i) {  // a round's fresh messages, in kept buffers
      nodes[i].form = sent[i].form;
      nodes[i].index = sent[i].index;
      nodes[i].value = sent[i].value;
      if (sent[i].form == core::Message::Form::kDense) nodes[i].dense = sent[i].dense;
    }
    state.ResumeTiming();
    core::FixedOrderSum(nodes, kPaperDimension, pool, sum);
    benchmark::DoNotOptimize(sum.data());
  }
}
BENCHMARK_CAPTURE(ServerSum, Dense, "none")->Arg(10)->Arg(100)->Arg(1000)->ArgName("workers")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(ServerSum, TopK_2pct, "topk:0.02")->Arg(10)->Arg(100)->Arg(1000)->ArgName("workers")->Unit(benchmark::kMillisecond)->UseRealTime();

// Fashion-MNIST is read once for all round benchmarks.
const std::shared_ptr<const core::ImageDataset>& TrainData() {
  static const auto data = std::make_shared<const core::ImageDataset>(core::LoadMnistSplit(core::kFashionMnistDir, "train"));
  return data;
}
const core::ImageDataset& Train() { return *TrainData(); }

const core::MlpShape kPaperShape{{784, 512, 512, 10}};

// One worker's full local gradient over its 600 images, on one thread.
void WorkerGradient(benchmark::State& state) {
  supervised::ClassificationOracle oracle(TrainData(), supervised::Shards(Train().labels, 100, supervised::ShardMode::kContiguous, 1),
                                          kPaperShape, 0);
  core::WorkerPool pool(1);  // pins BLAS to one thread
  core::Vector x(kPaperShape.ParameterCount()), g(x.size());
  core::Rng rng(1);
  core::Mlp<float>::Initialize(kPaperShape, rng, x);
  for (auto _ : state) benchmark::DoNotOptimize(oracle.Estimate(0, x, rng, g).loss);
}
BENCHMARK(WorkerGradient)->Unit(benchmark::kMillisecond);

// The FP32 peak of 1 and 2 threads, from independent multiply-add chains at the build's widest
// vector, once per process: the round benchmarks report their fraction of it.
double Peak(int threads) {
  static std::map<int, double> peaks;
  auto [it, fresh] = peaks.try_emplace(threads, 0.0);
  if (fresh) {
    core::WorkerPool pool(threads);
    it->second = bench::PeakFlops(pool);
  }
  return it->second;
}

void PeakFma(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(Peak(threads));
  state.counters["GFLOP/s"] = Peak(threads) / 1e9;
  state.counters["lanes"] = bench::VectorLanes();
}
BENCHMARK(PeakFma)->Arg(1)->Arg(2)->ArgName("threads")->Iterations(1)->Unit(benchmark::kMillisecond);

// Multiply-adds of one image through `shape`, forward and backward, as two FLOPs each: every
// layer's product forward and for its weights' gradient, and the product back to its inputs
// for every layer but the first (biases, activations and the loss are not counted).
double ImageFlops(const core::MlpShape& shape) {
  double forward = 0, back_to_inputs = 0;
  for (int l = 0; l < shape.Layers(); ++l) {
    const double product = 2.0 * shape.widths[l] * shape.widths[l + 1];
    forward += product;
    if (l > 0) back_to_inputs += product;
  }
  return 2 * forward + back_to_inputs;
}

// One round of the paper's setting: 100 workers x 600 images, full local gradients, Top-2%,
// momentum server. Argument: threads. Counters: the round's arithmetic per second, and its
// fraction of the peak of as many threads measured in the same process.
void PaperRound(benchmark::State& state) {
  supervised::ClassificationOracle oracle(TrainData(), supervised::Shards(Train().labels, 100, supervised::ShardMode::kContiguous, 1),
                                          kPaperShape, 0);
  core::WorkerPool pool(static_cast<int>(state.range(0)));
  core::ParallelMomentumOptions o;
  o.workers = 100;
  o.momentum.lr = 0.5;
  o.momentum.beta = 0.1;
  o.transform.compress = state.range(1) ? "topk:0.02" : "none";
  core::Vector x(kPaperShape.ParameterCount());
  core::Rng rng(1);
  core::Mlp<float>::Initialize(kPaperShape, rng, x);
  core::ParallelMomentum method(o, oracle, pool, x, 1000);
  method.Step();  // warm-up: per-thread scratch is sized on first use
  const double peak = Peak(pool.threads());
  double seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(method.Step().train_loss);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const double flops = ImageFlops(kPaperShape) * static_cast<double>(Train().size()) * static_cast<double>(state.iterations());
  state.counters["GFLOP/s"] = flops / seconds / 1e9;
  state.counters["of_peak"] = flops / seconds / peak;
}
BENCHMARK(PaperRound)
    ->ArgsProduct({{1, 2}, {1, 0}})
    ->ArgNames({"threads", "topk"})
    ->Iterations(5)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

// One meta-iteration on sine: 25 tasks, K = 10, 1-40-40-1, through the momentum server.
// Arguments: algo (0 = maml, 1 = fomaml, 2 = reptile, 3 = metasgd), inner steps, threads; 5 workers x 5 tasks.
void SineMetaIteration(benchmark::State& state) {
  metalearn::SineTasks family({10, 10});
  const core::MlpShape shape{{1, 40, 40, 1}};
  const metalearn::MetaAlgorithm algorithms[] = {metalearn::MetaAlgorithm::kMaml, metalearn::MetaAlgorithm::kFirstOrder,
                                                 metalearn::MetaAlgorithm::kReptile, metalearn::MetaAlgorithm::kMetaSgd};
  const auto algorithm = algorithms[state.range(0)];
  metalearn::MetaOracle oracle(std::make_shared<metalearn::SineTasks>(family), shape, {0.01, static_cast<int>(state.range(1))}, algorithm, 5);
  core::WorkerPool pool(static_cast<int>(state.range(2)));
  core::ParallelMomentumOptions o;
  o.workers = 5;
  o.momentum.lr = 0.001;
  core::Rng rng(1);
  core::ParallelMomentum method(o, oracle, pool, metalearn::MetaGradient<float>::Initial(shape, algorithm, 0.01, rng), 1 << 30);
  method.Step();  // warm-up
  for (auto _ : state) benchmark::DoNotOptimize(method.Step().train_loss);
}
BENCHMARK(SineMetaIteration)
    ->Args({0, 1, 1})
    ->Args({1, 1, 1})
    ->Args({2, 1, 1})
    ->Args({3, 1, 1})
    ->Args({0, 5, 1})
    ->Args({0, 1, 2})
    ->ArgNames({"algo", "steps", "threads"})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// Environment steps per second with uniformly random actions, resetting at the end of each
// episode (the resets are part of the cost, as in training).
void EnvironmentSteps(benchmark::State& state, const char* spec) {
  const auto env = envs::MakeEnvironment(spec);
  core::Rng rng(1);
  std::uint64_t episode = 0;
  env->Reset(episode);
  const envs::Space& actions = env->action_space();
  Eigen::VectorXd a(actions.Dimension());
  for (auto _ : state) {
    if (env->episode_over()) env->Reset(++episode);
    for (int i = 0; i < a.size(); ++i)
      a[i] = actions.IsDiscrete() ? static_cast<double>(rng.Below(actions.discrete)) : rng.Uniform(actions.low[i], actions.high[i]);
    benchmark::DoNotOptimize(env->Step(a).reward);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(EnvironmentSteps, LunarLander, "LunarLander-v3");
BENCHMARK_CAPTURE(EnvironmentSteps, LunarLanderContinuous, "LunarLander-v3(continuous=true)");
BENCHMARK_CAPTURE(EnvironmentSteps, BipedalWalker, "BipedalWalker-v3");
BENCHMARK_CAPTURE(EnvironmentSteps, BipedalWalkerHardcore, "BipedalWalker-v3(hardcore=true)");
BENCHMARK_CAPTURE(EnvironmentSteps, CartPole, "CartPole-v1");
BENCHMARK_CAPTURE(EnvironmentSteps, Pendulum, "Pendulum-v1");
BENCHMARK_CAPTURE(EnvironmentSteps, PointNav, "PointNav-v0");

// LunarLanders, 2,000 random steps each, on the worker pool: threads never share an
// environment, and each runs its own to the end without waiting for the others (the batched
// rate Python's make_vec is measured against, bench/python_vec_env.py). Arguments: threads,
// environments.
void ParallelLunarLanders(benchmark::State& state) {
  const int kEnvs = static_cast<int>(state.range(1));
  constexpr int kSteps = 2000;
  std::vector<std::unique_ptr<envs::Environment>> pool_envs;
  for (int i = 0; i < kEnvs; ++i) pool_envs.push_back(envs::MakeEnvironment("LunarLander-v3", static_cast<std::uint64_t>(i)));
  core::WorkerPool pool(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    pool.ForEach(kEnvs, [&](core::Index i) {
      envs::Environment& env = *pool_envs[static_cast<std::size_t>(i)];
      core::Rng rng(static_cast<std::uint64_t>(i));
      std::uint64_t episode = 0;
      env.Reset(episode);
      for (int k = 0; k < kSteps; ++k) {
        if (env.episode_over()) env.Reset(++episode);
        env.Step(Eigen::VectorXd::Constant(1, static_cast<double>(rng.Below(4))));
      }
    });
  }
  state.SetItemsProcessed(state.iterations() * kEnvs * kSteps);
}
BENCHMARK(ParallelLunarLanders)
    ->ArgsProduct({{1, 2}, {8, 16, 64}})
    ->ArgNames({"threads", "envs"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Policy-gradient rollouts on LunarLander-v3 with the MLP 64-64 policy at its initialisation
// (near-uniform, so its episodes resemble the random ones of ParallelLunarLanders): 8 workers
// x 4 episodes stepped together, on the worker pool. Environment steps per second, to set
// against the bare environments' rate. Argument: threads.
rl::RolloutOptions LanderRollouts() {
  rl::RolloutOptions o;
  o.env = "LunarLander-v3";
  o.horizon = 1000;
  o.environments = 4;
  return o;
}

void RolloutCollection(benchmark::State& state) {
  constexpr int kWorkers = 8;
  struct Worker {
    rl::RolloutCollector rollout{LanderRollouts()};
    std::unique_ptr<rl::Policy<float>> policy = rl::MakePolicy<float>({}, rollout.observation_space(), rollout.action_space());
  };
  std::vector<Worker> workers(kWorkers);
  const rl::ObservationNormalizer normalizer(8, false);
  core::Vector params(workers[0].policy->ParameterCount());
  core::Rng init(1);
  workers[0].policy->Initialize(init, params);
  core::WorkerPool pool(static_cast<int>(state.range(0)));
  std::int64_t steps = 0, round = 0;
  for (auto _ : state) {
    ++round;
    pool.ForEach(kWorkers, [&](core::Index w) {
      core::Rng rng(static_cast<std::uint64_t>(round), core::StreamKind::kWorker, static_cast<std::uint64_t>(w));
      workers[static_cast<std::size_t>(w)].rollout.Collect(*workers[static_cast<std::size_t>(w)].policy, params, normalizer, rng, nullptr);
    });
    for (const Worker& w : workers) steps += w.rollout.observations().cols();
  }
  state.SetItemsProcessed(steps);
}
BENCHMARK(RolloutCollection)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();

// The bare environments on exactly the rollouts' episodes: each batch of RolloutCollection/1
// is collected untimed, then its episodes are replayed (same instances, same reset seeds, same
// actions) on fresh environments, and only the replay is timed. Its rate against
// RolloutCollection's is what batching the policy and the bookkeeping cost.
void RolloutReplay(benchmark::State& state) {
  const rl::RolloutOptions o = LanderRollouts();
  rl::RolloutCollector rollout(o);
  const auto policy = rl::MakePolicy<float>({}, rollout.observation_space(), rollout.action_space());
  const rl::ObservationNormalizer normalizer(8, false);
  core::Vector params(policy->ParameterCount());
  core::Rng init(1);
  policy->Initialize(init, params);
  std::vector<std::unique_ptr<envs::Environment>> bare;
  for (int b = 0; b < o.environments; ++b) bare.push_back(envs::MakeEnvironment(o.env, static_cast<std::uint64_t>(b)));
  Eigen::VectorXd action(1);
  std::int64_t steps = 0, round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    core::Rng rng(static_cast<std::uint64_t>(++round), core::StreamKind::kWorker, 0);
    core::Rng seeds = rng;  // whole episodes: the first E draws are the resets' seeds
    rollout.Collect(*policy, params, normalizer, rng, nullptr);
    std::vector<rl::EpisodeSegment> lanes = rollout.episodes();  // one per environment; gathered in lane order
    std::sort(lanes.begin(), lanes.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    state.ResumeTiming();
    for (std::size_t b = 0; b < lanes.size(); ++b) {
      bare[b]->Reset(seeds.NextU64());
      double total = 0;
      for (int t = 0; t < lanes[b].length; ++t) {
        action[0] = rollout.actions()(0, lanes[b].start + t);
        total += bare[b]->Step(action).reward;
      }
      if (total != lanes[b].total_reward) state.SkipWithError("the replay left the rollout's trajectory");
      steps += lanes[b].length;
    }
  }
  state.SetItemsProcessed(steps);
}
BENCHMARK(RolloutReplay)->Unit(benchmark::kMillisecond);

// Where one worker's iteration goes (one thread): the rollout of 4 LunarLander episodes, of which
// the policy's batched forward passes are timed again on their own; the gradient of the batch
// (values, GAE, surrogate backward pass); and the server's step for 16 workers of that size.
// Counters in microseconds per environment step.
void RlIterationSplit(benchmark::State& state) {
  rl::PolicyGradientOptions o;
  o.rollout = LanderRollouts();
  rl::RolloutCollector rollout(o.rollout);
  auto policy = rl::MakePolicy<float>(o.policy, rollout.observation_space(), rollout.action_space());
  const rl::ObservationNormalizer normalizer(8, false);
  rl::LinearValue value(8, o.rollout.horizon);
  rl::GradientSetup setup;
  setup.estimator = o.estimator;
  setup.environments = o.rollout.environments;
  setup.linear_value = &value;
  rl::BatchGradient batch_gradient;
  core::Vector params(policy->ParameterCount()), gradient(params.size());
  core::Rng init(1);
  policy->Initialize(init, params);
  const core::Matrix inputs = core::Matrix::Random(8, o.rollout.environments);
  core::Matrix actions;
  // The server alone: an oracle that hands back a fixed gradient.
  struct Fixed final : core::GradientOracle {
    core::Vector g;
    core::Index Dimension() const override { return g.size(); }
    core::OracleResult Estimate(int, const core::Vector&, core::Rng&, Eigen::Ref<core::Vector> out) override {
      out = g;
      return {0.0};
    }
  } fixed;
  fixed.g = core::Vector::Constant(params.size(), 1e-3f);
  core::WorkerPool one(1);
  core::ParallelMomentumOptions server;
  server.workers = 16;
  core::ParallelMomentum method(server, fixed, one, params, 1 << 30);
  method.Step();
  double collect = 0, act = 0, grad = 0, step = 0, steps = 0;
  core::Rng rng(3);
  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  for (auto _ : state) {
    const auto t0 = Clock::now();
    rollout.Collect(*policy, params, normalizer, rng, nullptr);
    const auto t1 = Clock::now();
    int longest = 0;
    for (const rl::EpisodeSegment& ep : rollout.episodes()) longest = std::max(longest, ep.length);
    for (int t = 0; t < longest; ++t) policy->Act(params, inputs, rng, false, actions);
    const auto t2 = Clock::now();
    batch_gradient.Compute(setup, *policy, params, rollout.batch(), gradient);
    const auto t3 = Clock::now();
    method.Step();
    const auto t4 = Clock::now();
    collect += seconds(t0, t1);
    act += seconds(t1, t2);
    grad += seconds(t2, t3);
    step += seconds(t3, t4) / 16;  // the server's share of one of its 16 workers
    steps += static_cast<double>(rollout.observations().cols());
  }
  state.counters["simulation_us"] = 1e6 * (collect - act) / steps;
  state.counters["policy_us"] = 1e6 * act / steps;
  state.counters["gradient_us"] = 1e6 * grad / steps;
  state.counters["server_us"] = 1e6 * step / steps;
}
BENCHMARK(RlIterationSplit)->Unit(benchmark::kMillisecond)->UseRealTime();

// One PointNav meta-iteration as MAML ran it (20 tasks x 20 episodes x 100 steps, inner and
// outer batch, policy 100-100, maml-pg), on one thread: the whole estimate per task, and its
// parts timed again on their own: the two batches' rollouts (simulation, and within them the
// policy's batched forward passes), the inner and outer surrogate gradients (each after its
// batch's rollout, whose passes it replays, that rollout's time taken off), and the
// Hessian-vector product (its R-operator passes after the inner gradient's, as the estimator
// runs them). Counters in milliseconds per meta-iteration of 20 tasks.
void MetaRlIterationSplit(benchmark::State& state) {
  rl::MetaPolicyProblemOptions o;
  o.family = "PointNav";
  o.episodes = 20;
  o.policy.hidden = {100, 100};
  o.meta.inner_lr = 0.1;
  o.meta.estimator.gae_lambda = 1;
  o.meta.estimator.mean = rl::GradientMean::kStep;
  o.meta.estimator.normalize_advantages = true;
  const rl::MetaPolicyOracle oracle(o, 1);
  core::Rng init(1), rng(3);
  const core::Vector x = oracle.Initial(init);
  rl::MetaPolicyGradient estimator = oracle.MakeEstimator();
  rl::Policy<float>& policy = estimator.policy();
  const rl::RolloutOptions recorded = oracle.TaskRollouts(oracle.family().SampleTask(rng));
  rl::RolloutOptions plain = recorded;
  plain.record_passes = false;
  rl::EnvironmentEpisodes task(recorded), plain_task(plain);
  rl::StoredBatch batch;
  core::Vector out(x.size()), gradient(x.size()), product(x.size());
  const core::Matrix inputs = core::Matrix::Random(2, o.episodes);
  core::Matrix actions;
  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  double total = 0, rollouts = 0, act = 0, grads = 0, hvp = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    estimator.Estimate(x, task, rng, 0, out);
    const auto t1 = Clock::now();
    for (int b = 0; b < 2; ++b) plain_task.Sample(policy, x, rng, batch);
    const auto t2 = Clock::now();
    policy.BeginActing(x, o.episodes);  // as a rollout acts
    for (int t = 0; t < 2 * oracle.options().horizon; ++t) policy.Act(x, inputs, rng, false, actions);
    policy.DoneActing();
    const auto t3 = Clock::now();
    // Each surrogate after its batch's rollout, as the estimator forms them (the rollout's passes
    // replayed); the rollouts' own time, as above, is taken off.
    for (int k = 0; k < 2; ++k) {
      task.Sample(policy, x, rng, batch);
      const rl::EpisodeBatch b = batch.batch();
      policy.Surrogate(x, b.inputs, b.actions, core::Vector::Ones(b.inputs.cols()), 0, gradient);
    }
    const auto t4 = Clock::now();
    const rl::EpisodeBatch b = batch.batch();
    const core::Vector weights = core::Vector::Ones(b.inputs.cols());
    policy.HessianProductAfterSurrogate(x, b.inputs, b.actions, weights, gradient, product);  // as the estimator does
    const auto t5 = Clock::now();
    total += seconds(t0, t1);
    rollouts += seconds(t1, t2);
    act += seconds(t2, t3);
    grads += seconds(t3, t4) - seconds(t1, t2);
    hvp += seconds(t4, t5);
  }
  const double per_iteration = 1e3 * 20 / static_cast<double>(state.iterations());
  state.counters["total_ms"] = per_iteration * total;
  state.counters["simulation_ms"] = per_iteration * (rollouts - act);
  state.counters["policy_ms"] = per_iteration * act;
  state.counters["gradients_ms"] = per_iteration * grads;
  state.counters["hessian_product_ms"] = per_iteration * hvp;
}
BENCHMARK(MetaRlIterationSplit)->Unit(benchmark::kMillisecond)->UseRealTime();

// The checkpoint of the paper's run with error feedback: x, v and 100 workers' memories of
// 669,706 floats (about 273 MB), written with fsync and read back with verification.
core::RunCheckpoint PaperCheckpoint() {
  core::RunCheckpoint ck;
  ck.kind = 1;  // train
  ck.config_toml = "[train]\nworkers=100\nerror-feedback=\"ef\"\n";
  ck.state.iteration = 10;
  ck.state.x = Gaussian(kPaperDimension);
  ck.state.v = ck.state.x;
  ck.workers.resize(100);
  for (auto& w : ck.workers) w.feedback = ck.state.x;
  ck.first_below.assign(6, 0);
  return ck;
}

const std::filesystem::path kCheckpointPath = std::filesystem::temp_directory_path() / "pmlab-bench-ckpt.pmlab";

void CheckpointWrite(benchmark::State& state) {
  const core::RunCheckpoint ck = PaperCheckpoint();
  for (auto _ : state) core::SaveRunCheckpoint(kCheckpointPath, ck);
  state.counters["MB"] = static_cast<double>(std::filesystem::file_size(kCheckpointPath)) / 1e6;
}
BENCHMARK(CheckpointWrite)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

void CheckpointRead(benchmark::State& state) {
  core::SaveRunCheckpoint(kCheckpointPath, PaperCheckpoint());
  for (auto _ : state) benchmark::DoNotOptimize(core::LoadRunCheckpoint(kCheckpointPath).state.x.data());
  std::filesystem::remove(kCheckpointPath);
}
BENCHMARK(CheckpointRead)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

}  // namespace
}  // namespace pmlab

BENCHMARK_MAIN();
