#include "sweep/sweep_runner.h"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <memory>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/io/atomic_file.h"
#include "core/run/run_lock.h"
#include "core/run/run_session.h"
#include "core/run/stop_request.h"
#include "sweep/child_process.h"
#include "sweep/sweep_results.h"

namespace pmlab::sweep {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A run under way: its process and where its output goes.
struct Active {
  std::size_t index = 0;
  std::unique_ptr<ChildProcess> child;
  std::ofstream log;
  std::vector<std::string> tail;  // its last lines, for the message if it fails
  Clock::time_point start;
};

// Staging folders of a run killed while its folder was being created (.NAME.partial-PID).
void RemoveStaging(const fs::path& folder, const std::string& name) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error))
    if (entry.path().filename().string().rfind("." + name + ".partial-", 0) == 0) fs::remove_all(entry.path(), error);
}

}  // namespace

void CreateSweepFolder(const fs::path& folder, const std::string& sweep_text) {
  std::error_code error;
  if (fs::exists(SweepFileIn(folder), error))
    throw std::invalid_argument("--out: '" + folder.string() + "' already holds a sweep; continue it with: pmlab sweep " + folder.string() +
                                " --resume");
  if (fs::exists(folder, error) && !(fs::is_directory(folder, error) && fs::is_empty(folder, error)))
    throw std::invalid_argument("--out: '" + folder.string() + "' exists and is not an empty folder; choose another");
  fs::create_directories(folder, error);
  if (error) throw std::runtime_error("cannot create the sweep folder '" + folder.string() + "': " + error.message());
  core::WriteFileAtomically(SweepFileIn(folder), sweep_text);
}

int RunSweep(const fs::path& folder, const SweepRunOptions& o, std::ostream& out) {
  // Two sweeps on one folder would start the same runs twice.
  const core::RunLock lock = core::RunLock::Acquire(folder, "pmlab sweep");
  SweepResults sweep = LoadSweep(folder);
  const std::size_t total = sweep.runs.size();
  const auto finished = [&](std::size_t i) {
    const RunStatus s = sweep.results[i].status;
    return s == RunStatus::kCompleted || s == RunStatus::kDiverged;
  };
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < total; ++i)
    if (!finished(i)) pending.push_back(i);
  std::size_t done = total - pending.size();
  const int cores = o.threads > 0 ? o.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int parallel = std::max(1, std::min<int>(o.parallel_runs, static_cast<int>(std::max<std::size_t>(pending.size(), 1))));
  const int threads_each = std::max(1, cores / parallel);
  out << "pmlab sweep: " << total << " runs of pmlab " << sweep.file.command << " in " << folder.string() << " (" << done
      << " finished, " << pending.size() << " to run, " << parallel << " at a time with " << threads_each << " thread"
      << (threads_each > 1 ? "s" : "") << " each)" << std::endl;
  fs::create_directories(folder / "logs");
  core::InstallStopHandlers();
  const Clock::time_point sweep_start = Clock::now();

  std::vector<Active> active;
  std::size_t next = 0;
  int failure = 0;
  bool stopping = false;
  const auto prefix = [&](std::size_t i) { return "[" + std::to_string(done) + "/" + std::to_string(total) + "] " + sweep.runs[i].name + ": "; };
  const auto launch = [&](std::size_t i) {
    const PlannedRun& run = sweep.runs[i];
    const fs::path run_folder = folder / run.name;
    std::vector<std::string> args;
    if (sweep.results[i].status == RunStatus::kUnfinished) {
      args = {"resume", run_folder.string(), "--threads", std::to_string(threads_each)};
    } else {
      RemoveStaging(folder, run.name);
      args.assign(run.args.begin(), run.args.end());
      args.push_back("--out=" + run_folder.string());
      args.push_back("--threads=" + std::to_string(threads_each));
    }
    Active a;
    a.index = i;
    a.log.open(folder / "logs" / (run.name + ".log"), std::ios::app);
    a.log << "$ pmlab";
    for (const std::string& arg : args) a.log << " " << arg;
    a.log << std::endl;
    a.child = std::make_unique<ChildProcess>(o.program, args);
    a.start = Clock::now();
    if (!o.quiet) out << prefix(i) << (args[0] == "resume" ? "resuming" : "starting") << std::endl;
    active.push_back(std::move(a));
  };
  const auto conclude = [&](Active& a, int code) {
    const std::string& name = sweep.runs[a.index].name;
    sweep.results[a.index] = ReadRunResult(folder / name, sweep.file.levels);
    const RunStatus status = sweep.results[a.index].status;
    const std::string took = core::DurationText(std::chrono::duration<double>(Clock::now() - a.start).count());
    if (status == RunStatus::kCompleted || status == RunStatus::kDiverged) {
      ++done;
      out << prefix(a.index) << ToString(status);
      if (sweep.results[a.index].diverged_at) out << " at iteration " << *sweep.results[a.index].diverged_at;
      out << " in " << took << std::endl;
    } else if (code > 128 && stopping) {
      out << prefix(a.index) << "stopped; it resumes from its checkpoint" << std::endl;
    } else {
      failure = std::max(failure, code == 2 ? 2 : 1);
      out << prefix(a.index) << (code == 2 ? "refused its options" : "failed") << " (exit code " << code << ")";
      const std::string log_file = (folder / "logs" / (name + ".log")).string();
      if (o.quiet) {  // otherwise its output has just been shown
        out << "; its last output:\n";
        for (const std::string& line : a.tail) out << "    " << line << "\n";
        out << "  (all of it in " << log_file << ")" << std::endl;
      } else {
        out << "; its output is in " << log_file << std::endl;
      }
    }
    WriteSummaryCsv(sweep);
  };

  while (next < pending.size() || !active.empty()) {
    while (!stopping && failure == 0 && active.size() < static_cast<std::size_t>(parallel) && next < pending.size())
      launch(pending[next++]);
    if (active.empty()) break;
    std::vector<pollfd> fds;
    for (const Active& a : active) fds.push_back({a.child->fd(), POLLIN, 0});
    ::poll(fds.data(), fds.size(), 200);
    if (const int signal = core::StopSignal(); signal != 0 && !stopping) {
      // Each run is in a process group of its own: pass the signal on once, so that every run
      // finishes its iteration and checkpoints.
      stopping = true;
      for (const Active& a : active) a.child->Signal(signal);
    }
    for (std::size_t k = active.size(); k-- > 0;) {
      if (fds[k].revents == 0) continue;
      Active& a = active[k];
      std::vector<std::string> lines;
      const bool open = a.child->Read(lines);
      for (const std::string& line : lines) {
        a.log << line << "\n";
        a.tail.push_back(line);
        if (a.tail.size() > 8) a.tail.erase(a.tail.begin());
        if (!o.quiet) out << prefix(a.index) << line << "\n";
      }
      a.log.flush();
      out.flush();
      if (open) continue;
      conclude(a, a.child->Wait());
      active.erase(active.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  WriteSummaryCsv(sweep);
  const double took = std::chrono::duration<double>(Clock::now() - sweep_start).count();
  if (stopping || (failure == 0 && done < total)) {
    out << "pmlab sweep: stopped with " << done << " of " << total << " runs finished; continue with: pmlab sweep " << folder.string()
        << " --resume" << std::endl;
    return stopping ? 128 + core::StopSignal() : 1;
  }
  if (failure == 2) {
    out << "pmlab sweep: stopped: a run refused the sweep's options. Edit them in " << SweepFileIn(folder).string()
        << " (runs already finished keep their folders), then: pmlab sweep " << folder.string() << " --resume" << std::endl;
    return failure;
  }
  if (failure != 0) {
    out << "pmlab sweep: stopped after a run failed; remove its cause, then: pmlab sweep " << folder.string() << " --resume" << std::endl;
    return failure;
  }
  const auto diverged = std::count_if(sweep.results.begin(), sweep.results.end(), [](const RunResult& r) { return r.status == RunStatus::kDiverged; });
  out << "pmlab sweep: " << total << " runs finished (" << diverged << " diverged) in " << core::DurationText(took) << "; " << (folder / "summary.csv").string()
      << "; read them with: pmlab report " << folder.string() << std::endl;
  return 0;
}

}  // namespace pmlab::sweep
