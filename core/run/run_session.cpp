#include "core/run/run_session.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "core/opt/exact_number.h"
#include "core/opt/flag_context.h"
#include "core/opt/parallel_momentum.h"
#include "core/run/crash_point.h"
#include "core/run/run_directory.h"
#include "core/run/run_lock.h"
#include "core/run/stop_request.h"

namespace pmlab::core {
namespace {

std::uint64_t Fnv1a(const Vector& x) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto* bytes = reinterpret_cast<const unsigned char*>(x.data());
  for (std::size_t i = 0; i < static_cast<std::size_t>(x.size()) * sizeof(float); ++i) h = (h ^ bytes[i]) * 0x100000001b3ULL;
  return h;
}

const std::vector<double> kSummaryLevels = {2.0, 1.0, 0.7, 0.5, 0.4, 0.3};
const std::vector<std::string> kColumns = {"iteration", "train_loss", "grad_norm", "transform_error", "bits", "bits_total",
                                           "test_loss", "test_accuracy", "lr"};  // then a problem's own, then wall_seconds

// Checks that a checkpoint fits the problem built from its config and the data found now.
void CheckFits(const RunOptions& c, const RunProblem& problem, const ServerRule& rule, const RunCheckpoint& ck, const std::string& source) {
  const auto refuse = [&](const std::string& why) {
    throw std::runtime_error("checkpoint '" + source + "' does not match " + why);
  };
  if (!(ck.data == problem.data))
    refuse("the training data found now (" + std::to_string(problem.data.examples) + " examples; the run started with " +
           std::to_string(ck.data.examples) + " and other labels or sizes); check the run's --data-dir");
  const Index d = problem.oracle->Dimension();
  const bool started = ck.state.steps > 0;
  if (ck.state.iteration < 0 || ck.state.steps < ck.state.iteration || started != (ck.state.iteration > 0) || ck.state.x.size() != d)
    refuse("the model of its config (" + std::to_string(d) + " parameters)");
  const ServerRule::Buffers keeps = rule.Keeps();
  if (ck.state.v.size() != (started && keeps.v ? d : 0) || ck.state.u.size() != (started && keeps.u ? d : 0))
    refuse("its config's server rule " + c.momentum.server + " (the buffers it keeps)");
  if (static_cast<int>(ck.workers.size()) != c.workers) refuse("its config's " + std::to_string(c.workers) + " workers");
  const Index feedback = MakeFeedbackRule(c.transform.error_feedback, d)->MemoryLength();
  const bool worker_momentum = c.momentum.placement == MomentumPlacement::kWorker;
  for (const auto& w : ck.workers)
    if (w.feedback.size() != feedback || w.momentum.size() != (worker_momentum && started ? d : 0))
      refuse("its config's error feedback and momentum placement");
  if (ck.first_below.size() != kSummaryLevels.size()) refuse("this version's summary levels");
  // Format 1 predates problem state; every later checkpoint of a problem with state holds some.
  if (problem.state ? ck.problem_state.bytes.empty() && ck.format >= 2 : !ck.problem_state.bytes.empty())
    refuse(std::string("the problem of its config, which ") + (problem.state ? "keeps" : "keeps no") + " state of its own");
}

// The server's method as the run's first line shows it: beta only where it shapes the step.
std::string ServerText(const MomentumOptions& m) {
  std::ostringstream out;
  if (m.server != "momentum") out << "server " << m.server << ", ";
  out << "lr " << m.lr;
  if (m.MomentumAtServer() || m.placement == MomentumPlacement::kWorker) out << ", beta " << m.beta;
  if (m.placement == MomentumPlacement::kWorker) out << " at the workers";
  return out.str();
}

// Why a resume refuses a metrics.csv, and what the user can do.
std::string DamagedMetrics(const RunDirectory& dir, const MetricsWriter::Kept& kept, std::int64_t k) {
  std::string message = "'" + dir.Metrics().string() + "' does not match the checkpoint at iteration " + std::to_string(k) + ": " +
                        kept.problem + ". Nothing was changed. Restore metrics.csv";
  std::optional<std::filesystem::path> covered;  // the newest checkpoint whose rows are all there
  for (const auto& [iteration, file] : dir.ListCheckpoints())
    if (iteration <= kept.rows_in_order) covered = file;
  if (covered) message += ", or continue from the checkpoint its intact rows cover: pmlab resume " + covered->string();
  return message;
}

// Puts the problem's own state where the checkpoint left it.
void RestoreProblemState(const RunProblem& problem, const RunCheckpoint& ck, const std::string& source) {
  if (problem.state && !ck.problem_state.bytes.empty()) ck.problem_state.RestoreInto(*problem.state, source);
}

// Where the server writes: the run folder and its metrics.
struct RunFolder {
  const RunDirectory& dir;
  MetricsWriter* metrics;
};

// One run in memory: the objects built from the config, and the running figures that the
// summary reports. Checkpoint/Restore move all of it to and from a checkpoint.
class RunSession {
 public:
  RunSession(const RunOptions& c, RunKindInfo info, const MakeProblem& make)
      : config_(c), info_(std::move(info)), job_(ThisJob()), pool_(c.threads) {
    c.Validate();
    const ParallelMomentumOptions options = c.Method();
    problem_ = make(pool_);
    // Building the method checks the compressor against the dimension.
    method_ = Within("--compress", [&] { return std::make_unique<ParallelMomentum>(options, *problem_.oracle, pool_, problem_.x0, c.iters); });
    components_ = RecordedUses();  // what the run kind and this setup built (typed_run_kind.h)
    first_below_.assign(kSummaryLevels.size(), 0);
    columns_ = kColumns;
    columns_.insert(columns_.end(), problem_.extra_columns.begin(), problem_.extra_columns.end());
    columns_.push_back("wall_seconds");
  }

  const RunProblem& problem() const { return problem_; }
  /// Whether this process is the server, the one that writes the run folder.
  bool writes() const { return job_.is_root(); }
  const std::vector<std::string>& columns() const { return columns_; }
  std::int64_t iteration() const { return method_->state().iteration; }

  // Hands the run as it stands to `save`, on the server; every process calls it together. The
  // workers' memories are lent to the checkpoint rather than copied: with error feedback at
  // 1,000 workers they are gigabytes.
  template <typename Save>
  void Checkpoint(std::string_view toml, Save&& save) {
    RunCheckpoint ck = Snapshot(toml);
    ck.workers = method_->LendWorkers();
    if (!writes()) return;
    save(std::as_const(ck));
    method_->SetWorkers(std::move(ck.workers));
  }

  RunCheckpoint Snapshot(std::string_view toml) const {
    RunCheckpoint ck;
    ck.kind = info_.id;
    ck.config_toml = toml;
    ck.state = method_->state();
    ck.data = problem_.data;
    ck.bits_total = bits_total_;
    ck.wall_seconds = Wall();
    ck.last_train_loss = last_train_loss_;
    ck.first_below = first_below_;
    ck.evaluated = last_eval_.has_value();
    if (last_eval_) {
      ck.eval_loss = last_eval_->loss;
      ck.eval_accuracy = last_eval_->accuracy.value_or(std::numeric_limits<double>::quiet_NaN());
    }
    if (problem_.state) ck.problem_state = ProblemStateBlob::Of(*problem_.state);
    ck.components = components_;
    return ck;
  }

  // Puts the run where the checkpoint left it; restarts the wall clock and the progress rate.
  void Restore(RunCheckpoint&& ck, const std::string& source) {
    CheckFits(config_, problem_, method_->server().rule(), ck, source);
    RestoreProblemState(problem_, ck, source);
    method_->mutable_state() = std::move(ck.state);
    method_->RestoreWorkers(std::move(ck.workers));
    bits_total_ = ck.bits_total;
    wall_before_ = ck.wall_seconds;
    last_train_loss_ = ck.last_train_loss;
    first_below_ = ck.first_below;
    last_eval_.reset();
    if (ck.evaluated)
      last_eval_ = Evaluation{ck.eval_loss, std::isnan(ck.eval_accuracy) ? std::nullopt : std::optional(ck.eval_accuracy)};
    resumed_at_ = iteration();
    start_ = std::chrono::steady_clock::now();
  }

  // Runs iterations up to config.iters, writing metrics and checkpoints; returns the exit code.
  // Every process of the job runs it together; only the server has `folder` and writes.
  int Run(const RunFolder* folder, std::string_view toml, std::ostream& log) {
    if (!folder) return Follow(toml);
    const RunDirectory& dir = folder->dir;
    MetricsWriter& metrics = *folder->metrics;
    const RunOptions& c = config_;
    const std::string who = "pmlab " + info_.command;
    const std::int64_t report_every = std::max<std::int64_t>(1, c.iters / 20);
    const auto checkpoint = [&] {
      Checkpoint(toml, [&](const RunCheckpoint& ck) { SaveRunCheckpoint(dir.CheckpointFor(iteration()), ck); });
      dir.PruneCheckpoints(c.keep_checkpoints);
      CrashPoint("after-checkpoint");
    };
    std::string status = "completed";
    int code = kExitOk;
    std::vector<MetricsWriter::Cell> row;
    for (std::int64_t k = iteration() + 1; k <= c.iters; ++k) {
      const RoundStats r = method_->Step();
      const int signal = job_.Max(StopSignal());  // a signal to any process stops them all at k
      bits_total_ += r.bits;
      last_train_loss_ = r.train_loss;
      // Rows carry evaluations at multiples of --eval-every only, so that a run cut in two and
      // resumed writes the same rows as one that never stopped; the end of a run is evaluated
      // for summary.json below.
      std::optional<Evaluation> eval;
      if (r.finite && c.eval_every > 0 && k % c.eval_every == 0) last_eval_ = eval = Evaluate();
      row = {double(k), r.train_loss, r.grad_norm, r.transform_error, r.bits, bits_total_,
             eval ? std::optional(eval->loss) : std::nullopt, eval ? eval->accuracy : std::nullopt,
             r.finite ? std::optional(r.lr) : std::nullopt};
      if (problem_.extra_cells && r.finite) problem_.extra_cells(k, method_->state().x, row);
      row.resize(columns_.size() - 1);
      row.push_back(Wall());
      metrics.Write(row);
      CrashPoint("iteration-row");
      for (std::size_t i = 0; i < kSummaryLevels.size(); ++i)
        if (first_below_[i] == 0 && r.train_loss <= kSummaryLevels[i]) first_below_[i] = k;
      if (!r.finite) {
        // The last good checkpoint stays as it is: resuming from it would diverge again, but it
        // holds the parameters from before the blow-up.
        status = "diverged";
        code = kExitDiverged;
        log << who << ": diverged at iteration " << k << " (train loss " << r.train_loss << ", |g| " << r.grad_norm
            << "); stopped, keeping the last good checkpoint. Try a smaller --lr or a clipping operator." << std::endl;
        break;
      }
      const bool last = k == c.iters;
      if (Checkpoints(k, signal)) checkpoint();
      if (!c.quiet && (k % report_every == 0 || k == 1 || last)) Progress(k, r, eval, log);
      if (signal != 0 && !last) {
        log << who << ": stopped by signal " << signal << " after iteration " << k
            << "; checkpoint written. Continue with: pmlab resume " << dir.path().string() << std::endl;
        return 128 + signal;
      }
    }
    if (status == "completed" && c.eval_every > 0 && c.iters % c.eval_every != 0) last_eval_ = Evaluate();
    dir.WriteSummary(SummaryJson(status));
    if (job_.size() > 1 && !c.quiet) LogWire(log);
    if (!c.quiet && status == "completed") {
      log << who << ": done in " << DurationText(Wall()) << "; results in " << dir.path().string() << "/";
      if (last_eval_ && problem_.held_out_is_return) {
        log << "  (evaluation return " << std::fixed << std::setprecision(1) << -last_eval_->loss << std::defaultfloat << ")";
      } else if (last_eval_) {
        log << "  (test loss " << std::setprecision(4) << last_eval_->loss;
        if (last_eval_->accuracy)
          log << ", test accuracy " << std::fixed << std::setprecision(2) << 100 * *last_eval_->accuracy << "%" << std::defaultfloat;
        log << ")";
      }
      log << std::endl;
    }
    return code;
  }

 private:
  Evaluation Evaluate() const { return problem_.evaluate(method_->state().x); }

  bool Checkpoints(std::int64_t k, int signal) const {
    return k == config_.iters || (config_.checkpoint_every > 0 && k % config_.checkpoint_every == 0) || signal != 0;
  }

  // The loop of a process that runs workers but writes nothing: the same rounds and the same
  // checkpoint gathers as the server's loop, stopping where it stops.
  int Follow(std::string_view toml) {
    for (std::int64_t k = iteration() + 1; k <= config_.iters; ++k) {
      const RoundStats r = method_->Step();
      const int signal = job_.Max(StopSignal());
      if (!r.finite) return kExitDiverged;
      if (Checkpoints(k, signal)) {
        Checkpoint(toml, [](const RunCheckpoint&) {});
        CrashPoint("after-checkpoint");
      }
      if (signal != 0 && k != config_.iters) return 128 + signal;
    }
    return kExitOk;
  }

  // What crossed between the processes, against the `bits` column.
  void LogWire(std::ostream& log) const {
    const WireCount& w = method_->wire();
    const double rounds = static_cast<double>(std::max<std::int64_t>(1, iteration() - resumed_at_));
    log << std::fixed << std::setprecision(0) << "  " << job_.size() << " processes: the workers of processes 1-" << job_.size() - 1
        << " sent " << w.message_bytes / rounds << " bytes of messages per round (their bits column: "
        << w.message_bits / 8 / rounds << " bytes); the server sent " << static_cast<double>(job_.bytes_sent()) / rounds
        << " bytes per round" << std::defaultfloat << std::endl;
  }

  double Wall() const { return wall_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

  void Progress(std::int64_t k, const RoundStats& r, const std::optional<Evaluation>& eval, std::ostream& log) const {
    const double per_iteration = (Wall() - wall_before_) / static_cast<double>(k - resumed_at_);
    log << "  iteration " << k << "/" << config_.iters << "  train_loss " << std::setprecision(4) << r.train_loss;
    if (problem_.progress_note) log << "  " << problem_.progress_note();
    if (eval) {
      log << "  test_loss " << eval->loss;
      if (eval->accuracy) log << "  test_acc " << std::fixed << std::setprecision(2) << 100 * *eval->accuracy << "%" << std::defaultfloat;
    }
    log << "  " << std::setprecision(3) << per_iteration << " s/it  eta "
        << DurationText(per_iteration * static_cast<double>(config_.iters - k)) << std::endl;
  }

  std::string SummaryJson(const std::string& status) const {
    const auto number = [](std::optional<double> v) {
      return v && std::isfinite(*v) ? FormatNumber(*v) : std::string("null");
    };
    std::ostringstream json;
    json << "{\n  \"status\": " << JsonString(status) << ",\n  \"command\": " << JsonString(info_.command)
         << ",\n  \"problem\": " << JsonString(problem_.name) << ",\n  \"iterations\": " << iteration()
         << ",\n  \"parameters\": " << method_->state().x.size() << ",\n  \"workers\": " << config_.workers
         << ",\n  \"threads\": " << pool_.threads() << ",\n  \"processes\": " << job_.size() << ",\n  \"final_train_loss\": " << number(last_train_loss_);
    if (problem_.held_out_is_return)
      json << ",\n  \"final_eval_return\": " << number(last_eval_ ? std::optional(-last_eval_->loss) : std::nullopt);
    else
      json << ",\n  \"final_test_loss\": " << number(last_eval_ ? std::optional(last_eval_->loss) : std::nullopt)
           << ",\n  \"final_test_accuracy\": " << number(last_eval_ ? last_eval_->accuracy : std::nullopt);
    json << ",\n  \"first_iteration_train_loss_below\": {";
    for (std::size_t i = 0; i < kSummaryLevels.size(); ++i)
      json << (i ? ", " : "") << '"' << FormatNumber(kSummaryLevels[i])
           << "\": " << (first_below_[i] ? std::to_string(first_below_[i]) : "null");
    json << "}";
    if (problem_.summary_fields)
      for (const auto& [name, value] : problem_.summary_fields()) json << ",\n  " << JsonString(name) << ": " << value;
    json << ",\n  \"bits_total\": " << FormatNumber(bits_total_) << ",\n  \"wall_seconds\": " << FormatNumber(Wall())
         << ",\n  \"parameter_hash\": \"" << std::hex << std::setw(16) << std::setfill('0') << Fnv1a(method_->state().x) << std::dec
         << "\",\n  \"wire_message_bytes\": " << FormatNumber(method_->wire().message_bytes)
         << ",\n  \"wire_message_bits\": " << FormatNumber(method_->wire().message_bits)
         << ",\n  \"wire_server_bytes\": " << job_.bytes_sent() << "\n}\n";
    return json.str();
  }

  RunOptions config_;
  RunKindInfo info_;
  Cluster& job_;
  WorkerPool pool_;
  RunProblem problem_;
  std::unique_ptr<ParallelMomentum> method_;
  std::vector<ComponentUse> components_;
  std::vector<std::string> columns_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double wall_before_ = 0;
  std::int64_t resumed_at_ = 0;
  double bits_total_ = 0;
  double last_train_loss_ = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::int64_t> first_below_;
  std::optional<Evaluation> last_eval_;
};

}  // namespace

std::string DurationText(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  std::ostringstream out;
  if (s >= 3600) out << s / 3600 << 'h' << std::setw(2) << std::setfill('0') << (s % 3600) / 60 << 'm';
  else if (s >= 60) out << s / 60 << 'm' << std::setw(2) << std::setfill('0') << s % 60 << 's';
  else out << s << 's';
  return out.str();
}

int StartRun(const RunOptions& c, const RunKindInfo& info, std::string_view config_toml, const MakeProblem& make, std::ostream& log) {
  Require(!c.out.empty(), "--out: a run folder is required");
  RunSession session(c, info, make);
  // The folder appears with a checkpoint before the first iteration already in it, so a run
  // killed at any moment either left no folder or can be resumed.
  std::optional<RunDirectory> created;
  std::optional<RunLock> lock;  // taken in the staging folder, so held from the folder's first moment
  session.Checkpoint(config_toml, [&](const RunCheckpoint& first) {
    created = RunDirectory::Create(c.out, [&](const RunDirectory& staging) {
      lock.emplace(RunLock::Acquire(staging.path(), "pmlab " + info.command));
      staging.WriteConfig(config_toml);
      MetricsWriter(staging.Metrics(), session.columns());
      std::filesystem::create_directories(staging.Checkpoints());
      SaveRunCheckpoint(staging.CheckpointFor(0), first);
      CrashPoint("run-staged");
    });
  });
  if (!session.writes()) return session.Run(nullptr, config_toml, log);
  const RunDirectory& dir = *created;
  CrashPoint("run-created");
  MetricsWriter metrics = MetricsWriter::Resume(dir.Metrics(), session.columns(), MetricsWriter::Check(dir.Metrics(), session.columns(), 0));
  if (!c.quiet)
    log << "pmlab " << info.command << ": " << session.problem().description << "\n  " << c.iters << " iterations, "
        << ServerText(c.momentum) << ", compress " << c.transform.compress << ", clip " << c.transform.clip << " -> "
        << dir.path().string() << std::endl;
  const RunFolder folder{dir, &metrics};
  return session.Run(&folder, config_toml, log);
}

int ResumeRun(const RunOptions& c, const RunKindInfo& info, std::string_view config_toml, RunCheckpoint from,
              const std::filesystem::path& checkpoint, const MakeProblem& make, std::ostream& log) {
  const RunDirectory dir = RunDirectory::Open(c.out);
  // One writer per folder, from before anything in it is read for continuing.
  std::optional<RunLock> lock;
  if (ThisJob().is_root()) lock.emplace(RunLock::Acquire(dir.path(), "pmlab resume"));
  RunSession session(c, info, make);
  session.Restore(std::move(from), checkpoint.string());
  const std::int64_t k = session.iteration();
  // A checkpoint at the last iteration without summary.json is a run killed while finishing:
  // resuming it runs no iteration and writes what the end of a run writes.
  if (k > c.iters || (k == c.iters && std::filesystem::exists(dir.Summary())))
    throw std::invalid_argument("--iters: the run has already completed " + std::to_string(k) +
                                " iterations; pass a larger --iters to extend it");
  if (!session.writes()) return session.Run(nullptr, config_toml, log);
  // Everything the continuation needs is verified (the checkpoint above, metrics.csv here)
  // before anything in the folder is changed or deleted.
  const MetricsWriter::Kept kept = MetricsWriter::Check(dir.Metrics(), session.columns(), k);
  if (!kept.problem.empty()) throw std::runtime_error(DamagedMetrics(dir, kept, k));
  const auto dropped = dir.DropCheckpointsAfter(k);
  if (!dropped.empty())
    log << "pmlab resume: resuming from iteration " << k << " discards " << dropped.size() << " later checkpoint(s)" << std::endl;
  std::error_code ec;
  std::filesystem::remove(dir.Summary(), ec);  // the run is not finished any more
  dir.WriteConfig(config_toml);
  MetricsWriter metrics = MetricsWriter::Resume(dir.Metrics(), session.columns(), kept);
  if (!c.quiet)
    log << "pmlab resume: " << dir.path().string() << " from iteration " << k << " to " << c.iters << " ("
        << session.problem().description << ")" << std::endl;
  const RunFolder folder{dir, &metrics};
  return session.Run(&folder, config_toml, log);
}

RestoredRun RestoreRun(const RunOptions& c, const RunCheckpoint& checkpoint, const MakeProblem& make) {
  c.Validate();
  RestoredRun run;
  run.pool = std::make_unique<WorkerPool>(c.threads);
  run.problem = make(*run.pool);
  const MomentumServer server(c.momentum, c.iters);
  CheckFits(c, run.problem, server.rule(), checkpoint, "being evaluated");
  RestoreProblemState(run.problem, checkpoint, "being evaluated");
  run.iteration = checkpoint.state.iteration;
  run.x = checkpoint.state.x;
  return run;
}

}  // namespace pmlab::core
