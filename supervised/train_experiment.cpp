#include "supervised/train_experiment.h"

#include <cmath>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/opt/flag_context.h"
#include "core/nn/mlp.h"
#include "supervised/classification_oracle.h"
#include "supervised/data_fingerprint.h"
#include "supervised/classifier_evaluation.h"
#include "supervised/quadratic_problem.h"

namespace pmlab::supervised {
namespace {

using core::Index;

Index ParseBatch(const std::string& spec) {
  if (spec == "full") return 0;
  std::size_t used = 0;
  long long b = -1;
  try {
    b = std::stoll(spec, &used);
  } catch (const std::exception&) {
  }
  if (used != spec.size() || b < 1) throw std::invalid_argument("'" + spec + "' is not 'full' or a whole number >= 1");
  return static_cast<Index>(b);
}

core::RunProblem MakeFmnist(const TrainConfig& c, core::WorkerPool& pool) {
  if (c.bias_relative != 0 || c.bias_absolute != 0 || c.noise != 0)
    throw std::invalid_argument("--bias-relative, --bias-absolute and --noise control the bias of --problem quadratic only");
  const ShardMode mode = core::Within("--shard", [&] { return ParseShardMode(c.shard); });
  const Index batch = core::Within("--batch", [&] { return ParseBatch(c.batch); });
  const std::vector<int> hidden = core::Within("--hidden", [&] { return core::ParseHiddenWidths(c.hidden); });
  auto train = std::make_shared<const core::ImageDataset>(core::LoadMnistSplit(c.data_dir, "train"));
  auto test = std::make_shared<const core::ImageDataset>(core::LoadMnistSplit(c.data_dir, "t10k"));
  if (test->features() != train->features() || test->classes > train->classes)
    throw std::runtime_error("the test images in '" + c.data_dir + "' do not match the training images");
  if (c.workers > train->size())
    throw std::invalid_argument("--workers: " + std::to_string(c.workers) + " exceeds the " + std::to_string(train->size()) +
                                " training images (allowed: 1 to " + std::to_string(train->size()) + ")");
  core::MlpShape shape{{train->features()}};
  shape.widths.insert(shape.widths.end(), hidden.begin(), hidden.end());
  shape.widths.push_back(train->classes);
  Shards shards(train->labels, c.workers, mode, c.seed);
  if (batch > static_cast<Index>(shards.Of(c.workers - 1).size()) || batch > static_cast<Index>(shards.Of(0).size()))
    throw std::invalid_argument("--batch: " + c.batch + " exceeds a worker's shard of " +
                                std::to_string(train->size() / c.workers) + " images");

  core::RunProblem p;
  p.oracle = std::make_unique<ClassificationOracle>(train, std::move(shards), shape, batch);
  p.x0.resize(shape.ParameterCount());
  core::Rng init(c.seed, core::StreamKind::kInit);
  core::Mlp<float>::Initialize(shape, init, p.x0);
  p.evaluate = [shape, test, &pool](const core::Vector& x) {
    const ClassifierEvaluation e = EvaluateClassifier(shape, x, *test, pool);
    return core::Evaluation{e.loss, e.accuracy};
  };
  p.name = "fmnist";
  p.description = "Fashion-MNIST, MLP " + shape.ToString() + " (" + std::to_string(shape.ParameterCount()) +
                  " parameters), " + std::to_string(c.workers) + " workers x " +
                  std::to_string(train->size() / c.workers) + " images (" + ToString(mode) + "), batch " + c.batch;
  p.data = FingerprintOf(*train);
  return p;
}

core::RunProblem MakeQuadratic(const TrainConfig& c) {
  QuadraticOptions q;
  q.dimension = c.quadratic_dim;
  q.rows_per_worker = c.quadratic_rows;
  q.bias_relative = c.bias_relative;
  q.bias_absolute = c.bias_absolute;
  q.gradient_noise = c.noise;
  q.batch = core::Within("--batch", [&] { return ParseBatch(c.batch); });
  if (q.batch > q.rows_per_worker)
    throw std::invalid_argument("--batch: " + c.batch + " exceeds the " + std::to_string(q.rows_per_worker) +
                                " rows each worker holds (see --quadratic-rows)");
  auto problem = core::Within("--problem quadratic", [&] { return std::make_unique<QuadraticProblem>(c.workers, q, c.seed); });
  core::RunProblem p;
  p.x0 = core::Vector::Zero(q.dimension);
  const QuadraticProblem* raw = problem.get();  // owned by p.oracle, which the closure never outlives
  const double best = raw->Loss(raw->Optimum());
  // For the quadratic, "test loss" is the exact suboptimality f(x) - f*.
  p.evaluate = [raw, best](const core::Vector& x) { return core::Evaluation{raw->Loss(x.cast<double>()) - best, std::nullopt}; };
  std::ostringstream d;
  d << "quadratic least squares, d = " << q.dimension << ", L = " << raw->Smoothness() << ", mu = " << raw->StrongConvexity()
    << ", " << c.workers << " workers x " << q.rows_per_worker << " rows";
  if (q.bias_relative > 0 || q.bias_absolute > 0 || q.gradient_noise > 0)
    d << ", bias m = " << q.bias_relative << " relative + zeta = " << q.bias_absolute << " absolute, noise sigma = " << q.gradient_noise;
  p.name = "quadratic";
  p.description = d.str();
  p.oracle = std::move(problem);
  return p;
}

PMLAB_REGISTER(Problems(), "fmnist", "the paper's Fashion-MNIST MLP, a fixed shard per worker (--data-dir, --hidden, --shard, --batch)",
               [](Spec&) { return MakeFmnist; });
PMLAB_REGISTER(Problems(), "quadratic",
               "strongly convex least squares with exact f* and controlled bias (--quadratic-dim, --quadratic-rows, --bias-*, --noise)",
               [](Spec&) { return [](const TrainConfig& c, core::WorkerPool&) { return MakeQuadratic(c); }; });

}  // namespace

ProblemRegistry& Problems() {
  static ProblemRegistry registry("problem", "Problems", "train --problem");
  return registry;
}

void CheckTrainConfig(const TrainConfig& c) {
  (void)core::Within("--problem", [&] { return Problems().Bind(c.problem); });
  (void)core::Within("--shard", [&] { return ParseShardMode(c.shard); });
  (void)core::Within("--batch", [&] { return ParseBatch(c.batch); });
  (void)core::Within("--hidden", [&] { return core::ParseHiddenWidths(c.hidden); });
  for (const auto& [flag, v] : {std::pair{"--bias-relative", c.bias_relative}, std::pair{"--bias-absolute", c.bias_absolute}, std::pair{"--noise", c.noise}})
    core::Require(std::isfinite(v) && v >= 0, std::string(flag) + ": must be a finite number >= 0");
}

core::MakeProblem TrainProblem(const TrainConfig& c) {
  CheckTrainConfig(c);
  auto build = core::Within("--problem", [&] { return Problems().Bind(c.problem); });
  return [c, build](core::WorkerPool& pool) { return build(c, pool); };
}

}  // namespace pmlab::supervised
