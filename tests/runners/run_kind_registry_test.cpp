// A run kind that exists only in this test, registered exactly as train and meta are, with a
// problem that owns state: its gradient depends on a running mean that every worker feeds
// through its own slot and that the serial MergeWorkers step folds in worker order. Building,
// resuming, evaluating and inspecting it through the ordinary command line shows that a new
// kind needs no edit anywhere else, and that its state survives checkpoints bit for bit.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/opt/exact_number.h"
#include "core/run/metrics_table.h"
#include "runners/commands.h"
#include "runners/pmlab_process.h"
#include "runners/typed_run_kind.h"

namespace pmlab::runners {
namespace {

namespace fs = std::filesystem;

// f(x) = |x - 1|^2 / 2, but each worker's gradient is scaled by (1 + mean / 10), where `mean`
// is the running mean of every normal draw any worker has made so far.
class RunningMeanOracle final : public core::GradientOracle, public core::ProblemState {
 public:
  RunningMeanOracle(int workers, core::Index dimension) : slots_(workers), dimension_(dimension) {}

  core::Index Dimension() const override { return dimension_; }

  core::OracleResult Estimate(int worker, const core::Vector& x, core::Rng& rng, Eigen::Ref<core::Vector> gradient) override {
    slots_[worker] = rng.Normal();
    const auto scale = static_cast<float>(1.0 + mean_ / 10.0);
    gradient = scale * (x.array() - 1.0f).matrix();
    return {0.5 * (x.array() - 1.0f).matrix().squaredNorm()};
  }

  void MergeWorkers(std::int64_t /*iteration*/, const core::Vector& /*x*/) override {
    for (const double s : slots_) {
      ++count_;
      mean_ += (s - mean_) / static_cast<double>(count_);
    }
  }

  std::uint32_t StateVersion() const override { return 1; }
  void SaveState(core::CheckpointOutputArchive& ar) const override { ar(mean_, count_); }
  void LoadState(core::CheckpointInputArchive& ar, std::uint32_t version) override {
    if (version != 1) throw cereal::Exception("unknown running-mean state version " + std::to_string(version));
    ar(mean_, count_);
  }

  double mean() const { return mean_; }

 private:
  std::vector<double> slots_;
  core::Index dimension_;
  double mean_ = 0;
  std::int64_t count_ = 0;
};

struct RunningMeanConfig : core::RunOptions {
  RunningMeanConfig() {
    workers = 3;
    iters = 12;
    checkpoint_every = 4;
    eval_every = 0;
  }
  int dimension = 5;
};

class RunningMeanKind final : public TypedRunKind<RunningMeanConfig> {
 public:
  RunningMeanKind() : TypedRunKind({901, "running-mean-test"}) {}

  void AddEvalFlags(EvalFlags& flags) override {
    scale_ = 1.0;
    flags.Add("--scale", scale_, "Multiplies the reported mean", "Running-mean test runs");
  }

  int Evaluate(const EvalRequest& /*request*/, const core::RunCheckpoint& ck, const fs::path& /*checkpoint*/) override {
    const RunningMeanConfig config = Parse(ck.config_toml);
    const core::RestoredRun run = core::RestoreRun(config, ck, Problem(config));
    std::cout << "mean " << core::FormatNumber(scale_ * static_cast<RunningMeanOracle&>(*run.problem.oracle).mean()) << "\n";
    return 0;
  }

 protected:
  CLI::App* AddFlags(CLI::App& app, RunningMeanConfig& c) const override {
    CLI::App* t = app.add_subcommand("running-mean-test", "A test-only run kind with problem-owned state");
    t->configurable();
    t->add_option("--workers", c.workers, "Logical workers");
    t->add_option("--dimension", c.dimension, "Parameters");
    AddRunFlags(t, c, "never used");
    return t;
  }

  core::MakeProblem Problem(const RunningMeanConfig& c) const override {
    return [c](core::WorkerPool&) {
      auto oracle = std::make_shared<RunningMeanOracle>(c.workers, c.dimension);
      core::RunProblem p;
      p.oracle = oracle;
      p.state = oracle;
      p.x0 = core::Vector::Zero(c.dimension);
      p.evaluate = [](const core::Vector&) { return core::Evaluation{}; };
      p.name = "running-mean";
      p.description = "running-mean test problem";
      p.extra_columns = {"running_mean"};
      p.extra_cells = [raw = oracle.get()](std::int64_t, const core::Vector&, std::vector<core::MetricsWriter::Cell>& cells) {
        cells.push_back(raw->mean());
      };
      return p;
    };
  }

 private:
  double scale_ = 1.0;
};

PMLAB_REGISTER_RUN_KIND(RunningMeanKind);

// `pmlab ARGS` in this process (so the test-only kind is registered); stdout is returned.
struct Result {
  int code;
  std::string out;
};
Result Cli(std::vector<std::string> args) {
  args.insert(args.begin(), "pmlab");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int code = RunPmlab(static_cast<int>(argv.size()), argv.data());
  std::string out = ::testing::internal::GetCapturedStdout();
  const std::string err = ::testing::internal::GetCapturedStderr();
  if (code != 0) out += err;
  return {code, out};
}

class RunKindRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::FreshTestDirectory("registry"); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Dir(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(RunKindRegistryTest, ATestOnlyKindRunsResumesEvaluatesAndInspects) {
  ASSERT_EQ(Cli({"running-mean-test", "--quiet", "--out", Dir("whole")}).code, 0);
  // Half the run, then resume it to the end on another thread count.
  ASSERT_EQ(Cli({"running-mean-test", "--quiet", "--iters", "6", "--threads", "1", "--out", Dir("half")}).code, 0);
  const Result resumed = Cli({"resume", Dir("half"), "--iters", "12", "--threads", "2", "--quiet"});
  ASSERT_EQ(resumed.code, 0) << resumed.out;
  EXPECT_EQ(testing::Hash(Dir("whole")), testing::Hash(Dir("half")));
  EXPECT_EQ(testing::Metrics(Dir("whole")), testing::Metrics(Dir("half")));

  // The state moved: the last running mean is that of 12 iterations x 3 workers of draws.
  const auto table = core::MetricsTable::Load(dir_ / "whole" / "metrics.csv");
  const double mean = table.rows.back()[table.Column("running_mean")];
  EXPECT_NE(mean, 0.0);

  // eval restores the problem's state from the checkpoint, and takes the kind's own flag.
  const Result eval = Cli({"eval", Dir("half"), "--scale", "2"});
  ASSERT_EQ(eval.code, 0) << eval.out;
  EXPECT_EQ(eval.out, "mean " + core::FormatNumber(2 * mean) + "\n");

  const Result inspect = Cli({"inspect", Dir("half")});
  ASSERT_EQ(inspect.code, 0) << inspect.out;
  EXPECT_NE(inspect.out.find("run kind    running-mean-test (id 901)"), std::string::npos) << inspect.out;
  // Version byte of the portable archive, then a double and an int64.
  EXPECT_NE(inspect.out.find("state       17 bytes of problem-owned state (version 1)"), std::string::npos) << inspect.out;
}

TEST_F(RunKindRegistryTest, ResumingWithoutTheProblemStateWouldChangeTheRun) {
  ASSERT_EQ(Cli({"running-mean-test", "--quiet", "--iters", "6", "--out", Dir("half")}).code, 0);
  // A checkpoint whose problem state is dropped is refused rather than resumed from a fresh state.
  const fs::path ck = dir_ / "half" / "checkpoints" / "ckpt-000006.pmlab";
  core::RunCheckpoint stripped = core::LoadRunCheckpoint(ck);
  ASSERT_FALSE(stripped.problem_state.bytes.empty());
  stripped.problem_state = {};
  core::SaveRunCheckpoint(ck, stripped);
  const Result r = Cli({"resume", Dir("half"), "--iters", "12", "--quiet"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("keeps state of its own"), std::string::npos) << r.out;
}

TEST_F(RunKindRegistryTest, TheStateFeedsTheGradient) {
  // Without MergeWorkers feeding the mean, two seeds would give the same trajectory: the mean
  // is the only random thing in this problem.
  ASSERT_EQ(Cli({"running-mean-test", "--quiet", "--seed", "1", "--out", Dir("a")}).code, 0);
  ASSERT_EQ(Cli({"running-mean-test", "--quiet", "--seed", "2", "--out", Dir("b")}).code, 0);
  EXPECT_NE(testing::Hash(Dir("a")), testing::Hash(Dir("b")));
}

TEST_F(RunKindRegistryTest, KindsAreListedByIdAndUnknownIdsAreNamed) {
  std::vector<std::string> names;
  for (RunKind* k : RunKinds()) names.push_back(k->info().command);
  ASSERT_GE(names.size(), 3u);
  EXPECT_EQ(names[0], "train");
  EXPECT_EQ(names[1], "meta");
  EXPECT_EQ(names.back(), "running-mean-test");
  EXPECT_EQ(RunKindName(2), "meta");
  EXPECT_EQ(RunKindName(777), "unknown (id 777)");
  EXPECT_THROW(RegisterRunKind(std::make_unique<RunningMeanKind>()), std::logic_error);
  try {
    RunKindOf(777, "x.pmlab");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("run kind 777"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("train (1)"), std::string::npos);
  }
}

}  // namespace
}  // namespace pmlab::runners
