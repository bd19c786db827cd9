#include "supervised/train_experiment.h"

#include <chrono>
#include <cmath>
#include <functional>
#include <iomanip>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/metrics_writer.h"
#include "core/mlp.h"
#include "core/parallel_momentum.h"
#include "core/run_directory.h"
#include "supervised/classification_oracle.h"
#include "supervised/classifier_evaluation.h"
#include "supervised/quadratic_problem.h"

namespace pmlab::supervised {
namespace {

using core::Index;

// Parsers throw messages about the value; the flag it came from is added here.
template <typename F>
auto ForFlag(const char* flag, F&& parse) {
  try {
    return parse();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(flag) + ": " + e.what());
  }
}

void Check(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

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

std::vector<int> ParseHidden(const std::string& spec) {
  std::vector<int> widths;
  if (spec.empty() || spec == "none") return widths;
  std::stringstream in(spec);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    int w = 0;
    try {
      w = std::stoi(item, &used);
    } catch (const std::exception&) {
    }
    if (used == 0 || used != item.size() || w < 1 || w > 65536)
      throw std::invalid_argument("'" + spec + "' must be widths from 1 to 65536 separated by commas, e.g. 512,512 (or none)");
    widths.push_back(w);
  }
  if (spec.back() == ',') throw std::invalid_argument("'" + spec + "' ends with a comma");
  return widths;
}

core::MomentumPlacement ParsePlacement(const std::string& spec) {
  if (spec == "server") return core::MomentumPlacement::kServer;
  if (spec == "worker") return core::MomentumPlacement::kWorker;
  throw std::invalid_argument("'" + spec + "' is unknown (allowed: server, worker)");
}

std::uint64_t Fnv1a(const core::Vector& x) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto* bytes = reinterpret_cast<const unsigned char*>(x.data());
  for (std::size_t i = 0; i < static_cast<std::size_t>(x.size()) * sizeof(float); ++i) h = (h ^ bytes[i]) * 0x100000001b3ULL;
  return h;
}

std::string Duration(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  std::ostringstream out;
  if (s >= 3600) out << s / 3600 << 'h' << std::setw(2) << std::setfill('0') << (s % 3600) / 60 << 'm';
  else if (s >= 60) out << s / 60 << 'm' << std::setw(2) << std::setfill('0') << s % 60 << 's';
  else out << s << 's';
  return out.str();
}

struct Evaluation {
  double loss = 0;
  std::optional<double> accuracy;
};

// What a problem contributes: its oracle, its starting point, and how to evaluate a point.
struct Problem {
  std::unique_ptr<core::GradientOracle> oracle;
  core::Vector x0;
  std::function<Evaluation(const core::Vector&)> evaluate;
  std::string description;
};

Problem MakeFmnist(const TrainConfig& c, core::WorkerPool& pool, std::vector<core::ImageDataset>& data) {
  const ShardMode mode = ForFlag("--shard", [&] { return ParseShardMode(c.shard); });
  const Index batch = ForFlag("--batch", [&] { return ParseBatch(c.batch); });
  const std::vector<int> hidden = ForFlag("--hidden", [&] { return ParseHidden(c.hidden); });
  data.push_back(core::LoadMnistSplit(c.data_dir, "train"));
  data.push_back(core::LoadMnistSplit(c.data_dir, "t10k"));
  const core::ImageDataset& train = data[0];
  const core::ImageDataset& test = data[1];
  if (test.features() != train.features() || test.classes > train.classes)
    throw std::runtime_error("the test images in '" + c.data_dir + "' do not match the training images");
  if (c.workers > train.size())
    throw std::invalid_argument("--workers: " + std::to_string(c.workers) + " exceeds the " + std::to_string(train.size()) +
                                " training images (allowed: 1 to " + std::to_string(train.size()) + ")");
  core::MlpShape shape{{train.features()}};
  shape.widths.insert(shape.widths.end(), hidden.begin(), hidden.end());
  shape.widths.push_back(train.classes);
  Shards shards(train.labels, c.workers, mode, c.seed);
  if (batch > static_cast<Index>(shards.Of(c.workers - 1).size()) || batch > static_cast<Index>(shards.Of(0).size()))
    throw std::invalid_argument("--batch: " + c.batch + " exceeds a worker's shard of " +
                                std::to_string(train.size() / c.workers) + " images");

  Problem p;
  p.oracle = std::make_unique<ClassificationOracle>(train, std::move(shards), shape, batch);
  p.x0.resize(shape.ParameterCount());
  core::Rng init(c.seed, core::StreamKind::kInit);
  core::Mlp<float>::Initialize(shape, init, p.x0);
  p.evaluate = [shape, &test, &pool](const core::Vector& x) {
    const ClassifierEvaluation e = EvaluateClassifier(shape, x, test, pool);
    return Evaluation{e.loss, e.accuracy};
  };
  p.description = "Fashion-MNIST, MLP " + shape.ToString() + " (" + std::to_string(shape.ParameterCount()) +
                  " parameters), " + std::to_string(c.workers) + " workers x " +
                  std::to_string(train.size() / c.workers) + " images (" + ToString(mode) + "), batch " + c.batch;
  return p;
}

Problem MakeQuadratic(const TrainConfig& c) {
  QuadraticOptions q;
  q.dimension = c.quadratic_dim;
  q.rows_per_worker = c.quadratic_rows;
  q.batch = ForFlag("--batch", [&] { return ParseBatch(c.batch); });
  Check(q.batch <= q.rows_per_worker, "--batch: " + c.batch + " exceeds the " + std::to_string(q.rows_per_worker) +
                                          " rows each worker holds (see --quadratic-rows)");
  auto problem = ForFlag("--problem quadratic", [&] { return std::make_unique<QuadraticProblem>(c.workers, q, c.seed); });
  Problem p;
  p.x0 = core::Vector::Zero(q.dimension);
  const QuadraticProblem* raw = problem.get();
  const double best = raw->Loss(raw->Optimum());
  // For the quadratic, "test loss" is the exact suboptimality f(x) - f*.
  p.evaluate = [raw, best](const core::Vector& x) { return Evaluation{raw->Loss(x.cast<double>()) - best, std::nullopt}; };
  std::ostringstream d;
  d << "quadratic least squares, d = " << q.dimension << ", L = " << raw->Smoothness() << ", mu = " << raw->StrongConvexity()
    << ", " << c.workers << " workers x " << q.rows_per_worker << " rows";
  p.description = d.str();
  p.oracle = std::move(problem);
  return p;
}

}  // namespace

int RunTrain(const TrainConfig& c, std::string_view config_toml, std::ostream& log) {
  using Clock = std::chrono::steady_clock;
  Check(c.problem == "fmnist" || c.problem == "quadratic", "--problem: '" + c.problem + "' is unknown (allowed: fmnist, quadratic)");
  Check(c.workers >= 1, "--workers: must be at least 1");
  Check(c.iters >= 1, "--iters: must be at least 1");
  Check(c.eval_every >= 0, "--eval-every: must be >= 0 (0 = never)");
  Check(c.threads >= 0, "--threads: must be >= 0 (0 = all cores)");
  Check(!c.out.empty(), "--out: a run folder is required");

  core::ParallelMomentumOptions options;
  options.workers = c.workers;
  options.seed = c.seed;
  options.momentum.lr = c.lr;
  options.momentum.beta = c.beta;
  options.momentum.nesterov = c.nesterov;
  options.momentum.placement = ForFlag("--momentum-at", [&] { return ParsePlacement(c.momentum_at); });
  options.momentum.schedule = ForFlag("--schedule", [&] { return core::StepSchedule::Parse(c.schedule); });
  Check(c.lr > 0 && std::isfinite(c.lr), "--lr: must be a finite number > 0");
  Check(c.beta > 0 && c.beta <= 1, "--beta: must be in (0, 1] (1 = biased gradient descent, 0.1 = momentum 0.9)");
  options.transform.clip = ForFlag("--clip", [&] { return core::Clipping::Parse(c.clip); });
  options.transform.compress = c.compress;
  options.transform.error_feedback = ForFlag("--error-feedback", [&] { return core::ParseErrorFeedback(c.error_feedback); });

  core::WorkerPool pool(c.threads);
  std::vector<core::ImageDataset> data;
  data.reserve(2);  // the evaluation closure holds a reference into it
  Problem problem = c.problem == "fmnist" ? MakeFmnist(c, pool, data) : MakeQuadratic(c);
  // Building the method checks the compressor against the dimension.
  core::ParallelMomentum method = ForFlag("--compress", [&] {
    return core::ParallelMomentum(options, *problem.oracle, pool, problem.x0, c.iters);
  });

  const core::RunDirectory dir = core::RunDirectory::Create(c.out);
  dir.WriteConfig(config_toml);
  core::MetricsWriter metrics(dir.Metrics(), {"iteration", "train_loss", "grad_norm", "transform_error", "bits", "bits_total",
                                              "test_loss", "test_accuracy", "lr", "wall_seconds"});
  if (!c.quiet)
    log << "pmlab train: " << problem.description << "\n  " << c.iters << " rounds, lr " << c.lr << ", beta " << c.beta
        << ", compress " << c.compress << ", clip " << c.clip << ", " << pool.threads() << " threads -> " << dir.path().string()
        << std::endl;

  const std::vector<double> levels = {2.0, 1.0, 0.7, 0.5, 0.4, 0.3};
  std::vector<std::optional<std::int64_t>> first_below(levels.size());
  const auto start = Clock::now();
  const std::int64_t report_every = std::max<std::int64_t>(1, c.iters / 20);
  double bits_total = 0;
  core::RoundStats last;
  std::optional<Evaluation> last_eval;
  std::string status = "completed";
  for (std::int64_t k = 1; k <= c.iters; ++k) {
    last = method.Step();
    bits_total += last.bits;
    const bool evaluate = last.finite && c.eval_every > 0 && (k % c.eval_every == 0 || k == c.iters);
    std::optional<Evaluation> eval;
    if (evaluate) last_eval = eval = problem.evaluate(method.state().x);
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    metrics.Write({double(k), last.train_loss, last.grad_norm, last.transform_error, last.bits, bits_total,
                   eval ? std::optional(eval->loss) : std::nullopt, eval ? eval->accuracy : std::nullopt,
                   last.finite ? std::optional(last.lr) : std::nullopt, wall});
    for (std::size_t i = 0; i < levels.size(); ++i)
      if (!first_below[i] && last.train_loss <= levels[i]) first_below[i] = k;
    if (!last.finite) {
      status = "diverged";
      log << "pmlab train: diverged at round " << k << " (train loss " << last.train_loss << ", |g| " << last.grad_norm
          << "); the run stopped with the last finite parameters. Try a smaller --lr or a clipping operator." << std::endl;
      break;
    }
    if (!c.quiet && (k % report_every == 0 || k == 1 || k == c.iters)) {
      log << "  round " << k << "/" << c.iters << "  train_loss " << std::setprecision(4) << last.train_loss;
      if (eval) {
        log << "  test_loss " << eval->loss;
        if (eval->accuracy) log << "  test_acc " << std::fixed << std::setprecision(2) << 100 * *eval->accuracy << "%" << std::defaultfloat;
      }
      log << "  " << std::setprecision(3) << wall / k << " s/round  eta " << Duration(wall / k * (c.iters - k)) << std::endl;
    }
  }

  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const std::int64_t done = method.state().iteration;
  std::ostringstream json;
  json << std::setprecision(17) << "{\n  \"status\": " << core::JsonString(status) << ",\n  \"problem\": " << core::JsonString(c.problem)
       << ",\n  \"iterations\": " << done << ",\n  \"parameters\": " << method.state().x.size()
       << ",\n  \"workers\": " << c.workers << ",\n  \"threads\": " << pool.threads()
       << ",\n  \"final_train_loss\": " << (std::isfinite(last.train_loss) ? core::MetricsWriter::Format(last.train_loss) : "null")
       << ",\n  \"final_test_loss\": " << (last_eval ? core::MetricsWriter::Format(last_eval->loss) : "null")
       << ",\n  \"final_test_accuracy\": "
       << (last_eval && last_eval->accuracy ? core::MetricsWriter::Format(*last_eval->accuracy) : "null")
       << ",\n  \"first_iteration_train_loss_below\": {";
  for (std::size_t i = 0; i < levels.size(); ++i)
    json << (i ? ", " : "") << '"' << core::MetricsWriter::Format(levels[i]) << "\": " << (first_below[i] ? std::to_string(*first_below[i]) : "null");
  json << "},\n  \"bits_total\": " << core::MetricsWriter::Format(bits_total)
       << ",\n  \"wall_seconds\": " << core::MetricsWriter::Format(wall)
       << ",\n  \"parameter_hash\": \"" << std::hex << std::setw(16) << std::setfill('0') << Fnv1a(method.state().x) << std::dec
       << "\"\n}\n";
  dir.WriteSummary(json.str());
  if (!c.quiet && status == "completed") {
    log << "pmlab train: done in " << Duration(wall) << "; results in " << dir.path().string() << "/";
    if (last_eval && last_eval->accuracy) log << "  (test accuracy " << std::fixed << std::setprecision(2) << 100 * *last_eval->accuracy << "%)";
    log << std::defaultfloat << std::endl;
  }
  return status == "completed" ? kExitOk : kExitDiverged;
}

}  // namespace pmlab::supervised
