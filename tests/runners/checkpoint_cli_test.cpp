// Checkpoints as a user meets them: real pmlab processes that are resumed, interrupted, killed
// and handed damaged files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/io/checkpoint_file.h"
#include "runners/pmlab_process.h"

namespace {

namespace fs = std::filesystem;

using pmlab::testing::Outcome;
using pmlab::testing::Pmlab;
using pmlab::testing::Hash;
using pmlab::testing::Metrics;
using pmlab::testing::Spawn;
using pmlab::testing::Wait;

std::string Read(const fs::path& file) { return pmlab::testing::ReadFile(file); }

// Complete rows of metrics.csv; safe to call while a process is appending to it.
std::size_t Rows(const fs::path& run) {
  const std::string text = Read(run / "metrics.csv");
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  return lines > 0 ? lines - 1 : 0;
}

// Small Fashion-MNIST runs with every kind of per-worker state: RNG (minibatches, Rand-K),
// error-feedback memory and worker momentum.
const std::string kSmall =
    "--workers 4 --hidden 32 --batch 50 --lr 0.2 --compress randk-biased:0.3 --error-feedback ef --momentum-at worker "
    "--shard iid --eval-every 10 --quiet ";

class CheckpointCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = pmlab::testing::FreshTestDirectory("ckcli");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path Run(const std::string& name) const { return dir_ / name; }
  fs::path dir_;
};

TEST_F(CheckpointCliTest, HalfRunPlusResumeEqualsTheWholeRunWithOtherThreads) {
  ASSERT_EQ(Pmlab("train " + kSmall + "--iters 24 --checkpoint-every 5 --out " + Run("whole").string()).code, 0);
  ASSERT_EQ(Pmlab("train " + kSmall + "--iters 12 --checkpoint-every 5 --threads 1 --out " + Run("half").string()).code, 0);
  const Outcome o = Pmlab("resume " + Run("half").string() + " --iters 24 --threads 2");
  ASSERT_EQ(o.code, 0) << o.output;
  EXPECT_EQ(Metrics(Run("half")), Metrics(Run("whole")));
  EXPECT_EQ(Hash(Run("half")), Hash(Run("whole")));
  EXPECT_FALSE(Hash(Run("whole")).empty());
  // Resuming a finished run without more rounds is a usage error.
  const Outcome again = Pmlab("resume " + Run("half").string());
  EXPECT_EQ(again.code, 2) << again.output;
  EXPECT_NE(again.output.find("already completed 24 iterations"), std::string::npos) << again.output;
}

TEST_F(CheckpointCliTest, AdaptiveServersResumeOnOtherThreadsAsIfNeverStopped) {
  // Their moments and step count live in the checkpoint: Adam's correction 1 - b^t would differ
  // after a resume that lost t, and both rules would differ without their mean of squares.
  for (const std::string server : {"adam", "rmsprop(alpha=0.9,eps=1e-6)", "adam(bias_correction=false)"}) {
    const std::string flags = kSmall + "--server '" + server + "' --lr 0.002 --checkpoint-every 5 ";
    const std::string name = server.substr(0, server.find('(')) + std::to_string(server.size());
    ASSERT_EQ(Pmlab("train " + flags + "--iters 16 --out " + Run(name + "-whole").string()).code, 0);
    ASSERT_EQ(Pmlab("train " + flags + "--iters 7 --threads 1 --out " + Run(name + "-half").string()).code, 0);
    const Outcome o = Pmlab("resume " + Run(name + "-half").string() + " --iters 16 --threads 2");
    ASSERT_EQ(o.code, 0) << o.output;
    EXPECT_EQ(Metrics(Run(name + "-half")), Metrics(Run(name + "-whole"))) << server;
    EXPECT_EQ(Hash(Run(name + "-half")), Hash(Run(name + "-whole"))) << server;
    const Outcome inspect = Pmlab("inspect " + Run(name + "-half").string());
    EXPECT_NE(inspect.output.find("server rule " + server.substr(0, server.find('('))), std::string::npos) << inspect.output;
  }
  // Adam's step is not momentum's, and naming the default changes nothing.
  ASSERT_EQ(Pmlab("train " + kSmall + "--lr 0.002 --iters 16 --out " + Run("default").string()).code, 0);
  ASSERT_EQ(Pmlab("train " + kSmall + "--lr 0.002 --iters 16 --server momentum --out " + Run("named").string()).code, 0);
  EXPECT_EQ(Hash(Run("named")), Hash(Run("default")));
  EXPECT_NE(Hash(Run("adam4-whole")), Hash(Run("default")));
  // The same server state serves meta-learning and RL.
  for (const std::string run : {"meta --task sine --workers 5 --server rmsprop --lr 0.001", "rl --env CartPole-v1 --workers 4 --server adam --lr 0.01"}) {
    const std::string flags = run + " --checkpoint-every 3 --quiet ";
    const std::string name = run.substr(0, run.find(' '));
    ASSERT_EQ(Pmlab(flags + "--iters 8 --out " + Run(name + "-whole").string()).code, 0);
    ASSERT_EQ(Pmlab(flags + "--iters 4 --threads 1 --out " + Run(name + "-half").string()).code, 0);
    const Outcome o = Pmlab("resume " + Run(name + "-half").string() + " --iters 8 --threads 2");
    ASSERT_EQ(o.code, 0) << o.output;
    EXPECT_EQ(Metrics(Run(name + "-half")), Metrics(Run(name + "-whole"))) << run;
    EXPECT_EQ(Hash(Run(name + "-half")), Hash(Run(name + "-whole"))) << run;
  }
}

TEST_F(CheckpointCliTest, RowsWrittenAfterTheCheckpointAreNotDuplicated) {
  ASSERT_EQ(Pmlab("train " + kSmall + "--iters 20 --checkpoint-every 10 --out " + Run("whole").string()).code, 0);
  ASSERT_EQ(Pmlab("train " + kSmall + "--iters 20 --checkpoint-every 10 --out " + Run("cut").string()).code, 0);
  // What a process killed just before its round-20 checkpoint leaves: rows 11..20 beyond the
  // newest checkpoint (10), a torn last line, and no summary.
  fs::remove(Run("cut") / "checkpoints" / "ckpt-000020.pmlab");
  fs::remove(Run("cut") / "summary.json");
  std::ofstream(Run("cut") / "metrics.csv", std::ios::app) << "21,0.5,0.1";
  const Outcome o = Pmlab("resume " + Run("cut").string());
  ASSERT_EQ(o.code, 0) << o.output;
  EXPECT_EQ(Rows(Run("cut")), 20u);
  EXPECT_EQ(Metrics(Run("cut")), Metrics(Run("whole")));

  // Killed after its last checkpoint but before summary.json: resume finishes the run.
  const std::string summary = Read(Run("cut") / "summary.json");
  fs::remove(Run("cut") / "summary.json");
  std::ofstream(Run("cut") / "metrics.csv", std::ios::app) << "21,0.5,0.1";
  const Outcome finish = Pmlab("resume " + Run("cut").string());
  ASSERT_EQ(finish.code, 0) << finish.output;
  EXPECT_EQ(Metrics(Run("cut")), Metrics(Run("whole")));
  EXPECT_EQ(Hash(Run("cut")), Hash(Run("whole")));
  EXPECT_EQ(Pmlab("resume " + Run("cut").string()).code, 2);  // now it is complete

  // Resuming from an older checkpoint file drops the later ones and continues from it.
  const Outcome older = Pmlab("resume " + (Run("cut") / "checkpoints" / "ckpt-000000.pmlab").string());
  ASSERT_EQ(older.code, 0) << older.output;
  EXPECT_NE(older.output.find("discards"), std::string::npos) << older.output;
  EXPECT_EQ(Metrics(Run("cut")), Metrics(Run("whole")));
}

TEST_F(CheckpointCliTest, SigintFinishesTheRoundCheckpointsAndResumes) {
  ASSERT_EQ(Pmlab("train " + kSmall + "--iters 400 --checkpoint-every 50 --out " + Run("whole").string()).code, 0);
  for (const int signal : {SIGINT, SIGTERM}) {
    const fs::path run = Run("stopped" + std::to_string(signal));
    const pid_t pid = Spawn("train " + kSmall + "--iters 400 --checkpoint-every 50 --out " + run.string(), dir_ / "log.txt");
    while (Rows(run) < 5) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kill(pid, signal);
    EXPECT_EQ(Wait(pid), 128 + signal);
    const std::string log = Read(dir_ / "log.txt");
    EXPECT_NE(log.find("Continue with: pmlab resume " + run.string()), std::string::npos) << log;
    const std::size_t rows = Rows(run);
    ASSERT_LT(rows, 400u) << "the run ended before the signal";
    char name[32];
    std::snprintf(name, sizeof name, "ckpt-%06zu.pmlab", rows);
    EXPECT_TRUE(fs::exists(run / "checkpoints" / name)) << "no checkpoint at the last round " << rows;
    ASSERT_EQ(Pmlab("resume " + run.string()).code, 0);
    EXPECT_EQ(Metrics(run), Metrics(Run("whole")));
    EXPECT_EQ(Hash(run), Hash(Run("whole")));
  }
}

// Runs `args --out RUN`, kills it (SIGKILL) after a random number of further rounds plus a
// random few milliseconds, so kills land anywhere (mid-round, mid-checkpoint) whatever the
// machine's speed, and resumes it, alternating 1 and 2 threads, until it finishes; returns the
// kills. Every attempt makes progress.
int KillAndResumeUntilDone(const std::string& args, const fs::path& run, const fs::path& log, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> more_rows(5, 120);
  std::uniform_int_distribution<int> extra_ms(0, 20);
  int kills = 0, finished = -1;
  for (int attempt = 0; attempt < 100 && finished != 0; ++attempt) {
    // A kill that lands after the run wrote its summary, before the process exited, leaves a
    // finished run: nothing is left to resume.
    if (attempt > 0 && fs::exists(run / "summary.json")) {
      finished = 0;
      break;
    }
    const std::string threads = attempt % 2 ? " --threads 1" : " --threads 2";
    const std::string command = attempt == 0 ? args + run.string() : "resume " + run.string() + threads;
    const std::size_t target = Rows(run) + more_rows(rng);
    const pid_t pid = Spawn(command, log);
    int status = 0;
    while (Rows(run) < target && waitpid(pid, &status, WNOHANG) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(extra_ms(rng)));
    if (waitpid(pid, &status, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      Wait(pid);
      ++kills;
    } else {
      finished = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      EXPECT_EQ(finished, 0) << Read(log);
      if (finished != 0) return kills;
    }
  }
  EXPECT_EQ(finished, 0) << "the killed run never finished";
  std::printf("killed %d times; final run matches the uninterrupted one\n", kills);
  return kills;
}

TEST_F(CheckpointCliTest, KilledAtRandomMomentsAndResumedEqualsTheUninterruptedRun) {
  const std::string args = "train " + kSmall + "--iters 600 --checkpoint-every 7 --keep-checkpoints 2 --out ";
  ASSERT_EQ(Pmlab(args + Run("whole").string()).code, 0);
  EXPECT_GE(KillAndResumeUntilDone(args, Run("killed"), dir_ / "log.txt", 20261128), 3);
  EXPECT_EQ(Metrics(Run("killed")), Metrics(Run("whole")));
  EXPECT_EQ(Hash(Run("killed")), Hash(Run("whole")));
}

TEST_F(CheckpointCliTest, PersistentEnvironmentsKilledMidEpisodeResumeAsIfNeverStopped) {
  // LunarLander's episodes last hundreds of steps and every iteration takes 40 per
  // environment, so nearly every checkpoint holds episodes in mid-flight, to be replayed.
  const std::string args =
      "rl --env LunarLander-v3 --workers 3 --episodes-per-worker 2 --steps-per-worker 80 --persistent-envs true "
      "--normalize-observations true --estimator ppo --epochs 2 --minibatches 2 --value mlp:16 --gradient-mean step "
      "--state-weighting uniform --server adam --lr 0.001 --iters 400 --checkpoint-every 3 --keep-checkpoints 2 --eval-every 0 "
      "--quiet --out ";
  ASSERT_EQ(Pmlab(args + Run("whole").string()).code, 0);
  EXPECT_GE(KillAndResumeUntilDone(args, Run("killed"), dir_ / "log.txt", 20261206), 3);
  EXPECT_EQ(Metrics(Run("killed")), Metrics(Run("whole")));
  EXPECT_EQ(Hash(Run("killed")), Hash(Run("whole")));
  // Without persistence the same iterations are other ones: the episodes did carry over.
  const std::string reset = std::regex_replace(args, std::regex("--persistent-envs true"), "--persistent-envs false");
  ASSERT_EQ(Pmlab(std::regex_replace(reset, std::regex("--iters 400"), "--iters 10") + Run("reset").string()).code, 0);
  ASSERT_EQ(Pmlab(std::regex_replace(args, std::regex("--iters 400"), "--iters 10") + Run("carried").string()).code, 0);
  EXPECT_NE(Hash(Run("reset")), Hash(Run("carried")));
}

TEST_F(CheckpointCliTest, DivergenceKeepsTheLastGoodCheckpoint) {
  const fs::path run = Run("blowup");
  const Outcome o = Pmlab("train --problem quadratic --workers 2 --iters 500 --lr 1000 --beta 1 --checkpoint-every 1 --out " + run.string());
  ASSERT_EQ(o.code, 3) << o.output;
  const auto at = o.output.find("diverged at iteration ");
  ASSERT_NE(at, std::string::npos);
  const long long round = std::atoll(o.output.c_str() + at + 22);
  char name[32];
  std::snprintf(name, sizeof name, "ckpt-%06lld.pmlab", round - 1);
  EXPECT_TRUE(fs::exists(run / "checkpoints" / name)) << o.output;
  const Outcome eval = Pmlab("eval " + run.string() + " --json");
  EXPECT_EQ(eval.code, 0) << eval.output;
  EXPECT_NE(eval.output.find("\"iteration\": " + std::to_string(round - 1)), std::string::npos) << eval.output;
  EXPECT_EQ(eval.output.find("nan"), std::string::npos) << eval.output;
}

TEST_F(CheckpointCliTest, EvalAndInspectReadWithoutTouchingTheRun) {
  const fs::path run = Run("r");
  ASSERT_EQ(Pmlab("train " + kSmall + "--iters 10 --out " + run.string()).code, 0);
  std::vector<std::pair<std::string, fs::file_time_type>> before;
  for (const auto& e : fs::recursive_directory_iterator(run)) before.emplace_back(e.path().string(), fs::last_write_time(e));
  const Outcome eval = Pmlab("eval " + run.string());
  EXPECT_EQ(eval.code, 0) << eval.output;
  EXPECT_NE(eval.output.find("round 10: test_loss"), std::string::npos) << eval.output;
  EXPECT_NE(eval.output.find("test_accuracy"), std::string::npos) << eval.output;
  const Outcome json = Pmlab("eval " + (run / "checkpoints" / "ckpt-000000.pmlab").string() + " --json");
  EXPECT_EQ(json.code, 0) << json.output;
  EXPECT_NE(json.output.find("\"iteration\": 0"), std::string::npos) << json.output;
  const Outcome inspect = Pmlab("inspect " + run.string() + " --json");
  EXPECT_EQ(inspect.code, 0) << inspect.output;
  for (const char* field : {"\"checksum_ok\": true", "\"run_kind\": \"train\"", "\"iteration\": 10", "\"workers\": 4",
                            "\"error_feedback_memory\": true", "\"worker_momentum\": true"})
    EXPECT_NE(inspect.output.find(field), std::string::npos) << field << "\n" << inspect.output;
  std::vector<std::pair<std::string, fs::file_time_type>> after;
  for (const auto& e : fs::recursive_directory_iterator(run)) after.emplace_back(e.path().string(), fs::last_write_time(e));
  EXPECT_EQ(before, after);
}

TEST_F(CheckpointCliTest, DamagedOrForeignCheckpointsGetOneLineErrors) {
  const fs::path run = Run("r");
  ASSERT_EQ(Pmlab("train --problem quadratic --workers 2 --iters 3 --quiet --out " + run.string()).code, 0);
  const fs::path good = run / "checkpoints" / "ckpt-000003.pmlab";
  const std::string bytes = Read(good);
  const auto write = [&](const std::string& name, const std::string& contents) {
    std::ofstream(dir_ / name, std::ios::binary) << contents;
    return (dir_ / name).string();
  };
  std::string flipped = bytes;
  flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 1);
  pmlab::core::WriteCheckpoint(dir_ / "rl.pmlab", 77, [](std::ostream& out) { out << "x"; });
  fs::create_directories(dir_ / "empty-run");
  struct Case {
    std::string args;
    std::string message;
  };
  const Case cases[] = {
      {"resume " + write("short.pmlab", bytes.substr(0, 40)), "is truncated"},
      {"eval " + write("short.pmlab", bytes.substr(0, 10)), "is truncated"},
      {"resume " + write("flip.pmlab", flipped), "checksum mismatch"},
      {"inspect " + write("flip.pmlab", flipped), "MISMATCH"},
      {"eval " + write("text.pmlab", "hello, world, this is not a checkpoint"), "not a pmlab checkpoint"},
      {"resume " + (dir_ / "rl.pmlab").string(), "written by run kind 77, which this build of pmlab does not have"},
      {"resume " + (dir_ / "empty-run").string(), "holds no checkpoints"},
      {"eval " + (dir_ / "nothing-here").string(), "does not exist"},
  };
  for (const auto& c : cases) {
    const Outcome o = Pmlab(c.args);
    EXPECT_EQ(o.code, 1) << c.args << "\n" << o.output;
    EXPECT_NE(o.output.find(c.message), std::string::npos) << c.args << "\n" << o.output;
  }
}

TEST_F(CheckpointCliTest, ResumeRefusesDataThatChangedSinceTheRunStarted) {
  const fs::path data = dir_ / "data";
  fs::create_directories(data);
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    fs::copy_file(fs::path("/usr/share/datasets/fashion-mnist") / f, data / f);
  const fs::path run = Run("r");
  ASSERT_EQ(Pmlab("train " + kSmall + "--iters 4 --data-dir " + data.string() + " --out " + run.string()).code, 0);
  // Replace the training labels with a shuffled copy: same sizes, other labels.
  std::string labels(8, '\0');
  labels[2] = 8;
  labels[3] = 1;
  labels[4] = 0;
  labels[5] = 0;
  labels[6] = static_cast<char>(0xEA);
  labels[7] = 0x60;
  for (int i = 0; i < 60000; ++i) labels += static_cast<char>(i % 10);
  fs::remove(data / "train-labels-idx1-ubyte.gz");
  std::ofstream(data / "train-labels-idx1-ubyte", std::ios::binary) << labels;
  const Outcome o = Pmlab("resume " + run.string() + " --iters 8");
  EXPECT_EQ(o.code, 1) << o.output;
  EXPECT_NE(o.output.find("does not match the training data"), std::string::npos) << o.output;
}

}  // namespace
