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

#include <zlib.h>

#include "core/checkpoint_file.h"
#include "core/metrics_writer.h"
#include "core/stop_request.h"
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


const std::vector<double> kSummaryLevels = {2.0, 1.0, 0.7, 0.5, 0.4, 0.3};
const std::vector<std::string> kColumns = {"iteration", "train_loss", "grad_norm", "transform_error", "bits", "bits_total",
                                           "test_loss", "test_accuracy", "lr", "wall_seconds"};

// One train run in memory: the objects built from the config, and the running figures that
// the summary reports. Snapshot/Restore move all of it to and from a checkpoint.
class TrainSession {
 public:
  explicit TrainSession(const TrainConfig& c) : config_(c), pool_(c.threads) {
    Check(c.problem == "fmnist" || c.problem == "quadratic", "--problem: '" + c.problem + "' is unknown (allowed: fmnist, quadratic)");
    Check(c.workers >= 1, "--workers: must be at least 1");
    Check(c.iters >= 1, "--iters: must be at least 1");
    Check(c.eval_every >= 0, "--eval-every: must be >= 0 (0 = never)");
    Check(c.checkpoint_every >= 0, "--checkpoint-every: must be >= 0 (0 = only at the end)");
    Check(c.keep_checkpoints >= 1, "--keep-checkpoints: must be at least 1");
    Check(c.threads >= 0, "--threads: must be >= 0 (0 = all cores)");
    Check(c.lr > 0 && std::isfinite(c.lr), "--lr: must be a finite number > 0");
    Check(c.beta > 0 && c.beta <= 1, "--beta: must be in (0, 1] (1 = biased gradient descent, 0.1 = momentum 0.9)");

    core::ParallelMomentumOptions options;
    options.workers = c.workers;
    options.seed = c.seed;
    options.momentum.lr = c.lr;
    options.momentum.beta = c.beta;
    options.momentum.nesterov = c.nesterov;
    options.momentum.placement = ForFlag("--momentum-at", [&] { return ParsePlacement(c.momentum_at); });
    options.momentum.schedule = ForFlag("--schedule", [&] { return core::StepSchedule::Parse(c.schedule); });
    options.transform.clip = ForFlag("--clip", [&] { return core::Clipping::Parse(c.clip); });
    options.transform.compress = c.compress;
    options.transform.error_feedback = ForFlag("--error-feedback", [&] { return core::ParseErrorFeedback(c.error_feedback); });

    data_.reserve(2);  // the evaluation closure holds references into it
    problem_ = c.problem == "fmnist" ? MakeFmnist(c, pool_, data_) : MakeQuadratic(c);
    if (!data_.empty()) {
      const core::ImageDataset& train = data_[0];
      fingerprint_ = {train.size(), train.features(), train.classes,
                      static_cast<std::uint32_t>(crc32(0, train.labels.data(), static_cast<uInt>(train.labels.size())))};
    }
    // Building the method checks the compressor against the dimension.
    method_ = ForFlag("--compress", [&] {
      return std::make_unique<core::ParallelMomentum>(options, *problem_.oracle, pool_, problem_.x0, c.iters);
    });
    first_below_.assign(kSummaryLevels.size(), 0);
  }

  const Problem& problem() const { return problem_; }
  std::int64_t iteration() const { return method_->state().iteration; }

  TrainCheckpoint Snapshot(std::string_view toml) const {
    TrainCheckpoint ck;
    ck.config_toml = toml;
    ck.state = method_->state();
    ck.workers = method_->workers();
    ck.data = fingerprint_;
    ck.bits_total = bits_total_;
    ck.wall_seconds = Wall();
    ck.last_train_loss = last_train_loss_;
    ck.first_below = first_below_;
    ck.evaluated = last_eval_.has_value();
    if (last_eval_) {
      ck.eval_loss = last_eval_->loss;
      ck.eval_accuracy = last_eval_->accuracy.value_or(std::numeric_limits<double>::quiet_NaN());
    }
    return ck;
  }

  // Puts the run where the checkpoint left it, after checking that the checkpoint fits the
  // config and the data found now.
  void Restore(const TrainCheckpoint& ck, const std::string& source) {
    const auto refuse = [&](const std::string& why) {
      throw std::runtime_error("checkpoint '" + source + "' does not match " + why);
    };
    if (!(ck.data == fingerprint_))
      refuse("the training data found now (" + std::to_string(fingerprint_.examples) + " examples; the run started with " +
             std::to_string(ck.data.examples) + " and other labels or sizes) in '" + config_.data_dir + "'");
    const core::Index d = problem_.oracle->Dimension();
    const bool started = ck.state.iteration > 0;
    if (ck.state.iteration < 0 || ck.state.x.size() != d || ck.state.v.size() != (started ? d : 0))
      refuse("the model of its config (" + std::to_string(d) + " parameters)");
    if (static_cast<int>(ck.workers.size()) != config_.workers) refuse("its config's " + std::to_string(config_.workers) + " workers");
    const bool feedback = config_.error_feedback != "none";
    const bool worker_momentum = config_.momentum_at == "worker";
    for (const auto& w : ck.workers)
      if (w.feedback.size() != (feedback ? d : 0) || w.momentum.size() != (worker_momentum && started ? d : 0))
        refuse("its config's error feedback and momentum placement");
    if (ck.first_below.size() != kSummaryLevels.size()) refuse("this version's summary levels");
    method_->mutable_state() = ck.state;
    method_->workers() = ck.workers;
    bits_total_ = ck.bits_total;
    wall_before_ = ck.wall_seconds;
    last_train_loss_ = ck.last_train_loss;
    first_below_ = ck.first_below;
    last_eval_.reset();
    if (ck.evaluated)
      last_eval_ = Evaluation{ck.eval_loss, std::isnan(ck.eval_accuracy) ? std::nullopt : std::optional(ck.eval_accuracy)};
  }

  Evaluation Evaluate() const { return problem_.evaluate(method_->state().x); }

  /// Restarts the wall clock and the progress rate after a Restore.
  void MarkResumed() {
    resumed_at_ = iteration();
    start_ = std::chrono::steady_clock::now();
  }

  // Runs rounds up to config.iters, writing metrics and checkpoints; returns the exit code.
  int Run(const core::RunDirectory& dir, core::MetricsWriter& metrics, std::string_view toml, std::ostream& log) {
    const TrainConfig& c = config_;
    const std::int64_t report_every = std::max<std::int64_t>(1, c.iters / 20);
    const auto checkpoint = [&] {
      SaveTrainCheckpoint(dir.CheckpointFor(iteration()), Snapshot(toml));
      dir.PruneCheckpoints(c.keep_checkpoints);
    };
    std::string status = "completed";
    int code = kExitOk;
    for (std::int64_t k = iteration() + 1; k <= c.iters; ++k) {
      const core::RoundStats r = method_->Step();
      bits_total_ += r.bits;
      last_train_loss_ = r.train_loss;
      // Rows carry evaluations at multiples of --eval-every only, so that a run cut in two and
      // resumed writes the same rows as one that never stopped; the end of a run is evaluated
      // for summary.json below.
      std::optional<Evaluation> eval;
      if (r.finite && c.eval_every > 0 && k % c.eval_every == 0) last_eval_ = eval = Evaluate();
      metrics.Write({double(k), r.train_loss, r.grad_norm, r.transform_error, r.bits, bits_total_,
                     eval ? std::optional(eval->loss) : std::nullopt, eval ? eval->accuracy : std::nullopt,
                     r.finite ? std::optional(r.lr) : std::nullopt, Wall()});
      for (std::size_t i = 0; i < kSummaryLevels.size(); ++i)
        if (first_below_[i] == 0 && r.train_loss <= kSummaryLevels[i]) first_below_[i] = k;
      if (!r.finite) {
        // The last good checkpoint stays as it is: resuming from it would diverge again, but it
        // holds the parameters from before the blow-up.
        status = "diverged";
        code = kExitDiverged;
        log << "pmlab train: diverged at round " << k << " (train loss " << r.train_loss << ", |g| " << r.grad_norm
            << "); stopped, keeping the last good checkpoint. Try a smaller --lr or a clipping operator." << std::endl;
        break;
      }
      const bool last = k == c.iters;
      if (last || (c.checkpoint_every > 0 && k % c.checkpoint_every == 0) || core::StopSignal() != 0) checkpoint();
      if (!c.quiet && (k % report_every == 0 || k == 1 || last)) Progress(k, r, eval, log);
      if (const int signal = core::StopSignal(); signal != 0 && !last) {
        log << "pmlab train: stopped by signal " << signal << " after round " << k << "; checkpoint written. Continue with: pmlab resume "
            << dir.path().string() << std::endl;
        return 128 + signal;
      }
    }
    if (status == "completed" && c.eval_every > 0 && c.iters % c.eval_every != 0) last_eval_ = Evaluate();
    dir.WriteSummary(SummaryJson(status));
    if (!c.quiet && status == "completed") {
      log << "pmlab train: done in " << Duration(Wall()) << "; results in " << dir.path().string() << "/";
      if (last_eval_ && last_eval_->accuracy)
        log << "  (test accuracy " << std::fixed << std::setprecision(2) << 100 * *last_eval_->accuracy << "%)" << std::defaultfloat;
      log << std::endl;
    }
    return code;
  }

 private:
  double Wall() const { return wall_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

  void Progress(std::int64_t k, const core::RoundStats& r, const std::optional<Evaluation>& eval, std::ostream& log) const {
    const double per_round = (Wall() - wall_before_) / static_cast<double>(k - resumed_at_);
    log << "  round " << k << "/" << config_.iters << "  train_loss " << std::setprecision(4) << r.train_loss;
    if (eval) {
      log << "  test_loss " << eval->loss;
      if (eval->accuracy) log << "  test_acc " << std::fixed << std::setprecision(2) << 100 * *eval->accuracy << "%" << std::defaultfloat;
    }
    log << "  " << std::setprecision(3) << per_round << " s/round  eta " << Duration(per_round * static_cast<double>(config_.iters - k))
        << std::endl;
  }

  std::string SummaryJson(const std::string& status) const {
    const auto number = [](std::optional<double> v) {
      return v && std::isfinite(*v) ? core::MetricsWriter::Format(*v) : std::string("null");
    };
    std::ostringstream json;
    json << "{\n  \"status\": " << core::JsonString(status) << ",\n  \"problem\": " << core::JsonString(config_.problem)
         << ",\n  \"iterations\": " << iteration() << ",\n  \"parameters\": " << method_->state().x.size()
         << ",\n  \"workers\": " << config_.workers << ",\n  \"threads\": " << pool_.threads()
         << ",\n  \"final_train_loss\": " << number(last_train_loss_)
         << ",\n  \"final_test_loss\": " << number(last_eval_ ? std::optional(last_eval_->loss) : std::nullopt)
         << ",\n  \"final_test_accuracy\": " << number(last_eval_ ? last_eval_->accuracy : std::nullopt)
         << ",\n  \"first_iteration_train_loss_below\": {";
    for (std::size_t i = 0; i < kSummaryLevels.size(); ++i)
      json << (i ? ", " : "") << '"' << core::MetricsWriter::Format(kSummaryLevels[i])
           << "\": " << (first_below_[i] ? std::to_string(first_below_[i]) : "null");
    json << "},\n  \"bits_total\": " << core::MetricsWriter::Format(bits_total_) << ",\n  \"wall_seconds\": " << core::MetricsWriter::Format(Wall())
         << ",\n  \"parameter_hash\": \"" << std::hex << std::setw(16) << std::setfill('0') << Fnv1a(method_->state().x) << std::dec
         << "\"\n}\n";
    return json.str();
  }

  TrainConfig config_;
  core::WorkerPool pool_;
  std::vector<core::ImageDataset> data_;
  Problem problem_;
  DataFingerprint fingerprint_;
  std::unique_ptr<core::ParallelMomentum> method_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double wall_before_ = 0;
  std::int64_t resumed_at_ = 0;
  double bits_total_ = 0;
  double last_train_loss_ = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::int64_t> first_below_;
  std::optional<Evaluation> last_eval_;
};

}  // namespace

int RunTrain(const TrainConfig& c, std::string_view config_toml, std::ostream& log) {
  Check(!c.out.empty(), "--out: a run folder is required");
  TrainSession session(c);
  const core::RunDirectory dir = core::RunDirectory::Create(c.out);
  dir.WriteConfig(config_toml);
  std::filesystem::create_directories(dir.Checkpoints());
  // A checkpoint before the first round: a run killed at any moment can be resumed.
  SaveTrainCheckpoint(dir.CheckpointFor(0), session.Snapshot(config_toml));
  core::MetricsWriter metrics(dir.Metrics(), kColumns);
  if (!c.quiet)
    log << "pmlab train: " << session.problem().description << "\n  " << c.iters << " rounds, lr " << c.lr << ", beta " << c.beta
        << ", compress " << c.compress << ", clip " << c.clip << " -> " << dir.path().string() << std::endl;
  return session.Run(dir, metrics, config_toml, log);
}

int ResumeTrain(const TrainConfig& c, std::string_view config_toml, const TrainCheckpoint& from,
                const std::filesystem::path& checkpoint, std::ostream& log) {
  TrainSession session(c);
  session.Restore(from, checkpoint.string());
  const std::int64_t k = session.iteration();
  if (k >= c.iters)
    throw std::invalid_argument("--iters: the run has already completed " + std::to_string(k) + " rounds; pass a larger --iters to extend it");
  const core::RunDirectory dir = core::RunDirectory::Open(c.out);
  const auto dropped = dir.DropCheckpointsAfter(k);
  if (!dropped.empty())
    log << "pmlab resume: resuming from round " << k << " discards " << dropped.size() << " later checkpoint(s)" << std::endl;
  std::error_code ec;
  std::filesystem::remove(dir.Summary(), ec);  // the run is not finished any more
  dir.WriteConfig(config_toml);
  core::MetricsWriter metrics = core::MetricsWriter::Resume(dir.Metrics(), kColumns, k);
  session.MarkResumed();
  if (!c.quiet)
    log << "pmlab resume: " << dir.path().string() << " from round " << k << " to " << c.iters << " (" << session.problem().description
        << ")" << std::endl;
  return session.Run(dir, metrics, config_toml, log);
}

CheckpointEvaluation EvaluateTrainCheckpoint(const TrainConfig& c, const TrainCheckpoint& checkpoint) {
  TrainSession session(c);
  session.Restore(checkpoint, "being evaluated");
  const Evaluation e = session.Evaluate();
  return {session.iteration(), e.loss, e.accuracy};
}

}  // namespace pmlab::supervised
