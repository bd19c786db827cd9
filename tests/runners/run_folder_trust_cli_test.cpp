// A run folder belongs to one run, as a hostile or careless user tests it: another kind's config
// or checkpoint in its place, two writers at once, text that gnuplot could execute, endless
// files, damaged metrics, and values that must be refused before anything is created.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <vector>
#include <string>
#include <thread>

#include "runners/pmlab_process.h"

namespace {

namespace fs = std::filesystem;
using pmlab::testing::Outcome;
using pmlab::testing::Pmlab;
using pmlab::testing::ReadFile;

const std::string kTrain = "train --problem quadratic --quadratic-dim 8 --workers 4 --quiet ";
const std::string kRl = "rl --env CartPole-v1 --workers 2 --episodes-per-worker 2 --eval-episodes 2 --quiet ";

bool Has(const Outcome& o, const std::string& text) { return o.output.find(text) != std::string::npos; }

// Every file of a folder with its contents: what must not change when pmlab refuses something.
std::map<std::string, std::string> Snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().filename() != ".lock") files[fs::relative(entry.path(), dir).string()] = ReadFile(entry.path());
  return files;
}

void Write(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

class RunFolderTrustTest : public pmlab::testing::FolderTest {
 protected:
  RunFolderTrustTest() : FolderTest("trust") {}
  // Runs pmlab with exactly these arguments, no shell between (its output in the folder's
  // log); returns the exit code.
  int Exec(const std::vector<std::string>& args) { return pmlab::testing::Wait(pmlab::testing::Spawn(args, dir_ / "log")); }
  // A finished train run of 20 iterations, checkpoints at 10 and 20.
  fs::path Train(const std::string& name, const std::string& more = "") {
    const Outcome o = Pmlab(kTrain + "--iters 20 --checkpoint-every 10 --out " + Out(name) + " " + more);
    EXPECT_EQ(o.code, 0) << o.output;
    return dir_ / name;
  }
};

TEST_F(RunFolderTrustTest, AConfigOfAnotherKindIsRefusedNamingBothKinds) {
  const fs::path t = Train("t");
  const Outcome rl = Pmlab("rl --config " + (t / "config.toml").string() + " --iters 1 --out " + Out("r2"));
  EXPECT_EQ(rl.code, 2) << rl.output;
  EXPECT_TRUE(Has(rl, "pmlab train") && Has(rl, "pmlab rl") && Has(rl, "config.toml")) << rl.output;
  EXPECT_FALSE(fs::exists(Out("r2")));
  ASSERT_EQ(Pmlab(kRl + "--iters 1 --out " + Out("l")).code, 0);
  for (const std::string command : {"train", "meta"}) {
    const Outcome o = Pmlab(command + " --config " + Out("l") + "/config.toml --out " + Out("x"));
    EXPECT_EQ(o.code, 2) << command << ": " << o.output;
    EXPECT_TRUE(Has(o, "pmlab rl")) << o.output;
  }
  // A file with no table of the command, or with keys outside any table.
  Write(dir_ / "none.toml", "lr = 0.1\n");
  EXPECT_EQ(Pmlab("train --config " + Out("none.toml") + " --out " + Out("x")).code, 2);
  EXPECT_FALSE(fs::exists(Out("x")));
}

TEST_F(RunFolderTrustTest, FlagsOnTheCommandLineWinOverTheConfigFile) {
  const fs::path t = Train("t");
  const Outcome o = Pmlab("train --config " + (t / "config.toml").string() + " --iters 3 --lr 0.25 --out " + Out("again"));
  ASSERT_EQ(o.code, 0) << o.output;
  const std::string config = ReadFile(dir_ / "again" / "config.toml");
  EXPECT_NE(config.find("iters=3\n"), std::string::npos) << config;
  EXPECT_NE(config.find("lr=0.25\n"), std::string::npos) << config;
  EXPECT_NE(config.find("workers=4\n"), std::string::npos) << config;  // the file's, not the default
}

TEST_F(RunFolderTrustTest, ConfigFilesAreStrictToml) {
  const std::map<std::string, std::string> bad = {
      {"array.toml", "[train]\nlr = [1, 2]\n"},
      {"twice.toml", "[train]\nlr = 0.1\n[train]\nbeta = 0.5\n"},
      {"prose.toml", "this is not toml [[[\n"},
      {"nested.toml", "[train]\n[train.inner]\nlr = 1\n"},
  };
  for (const auto& [name, text] : bad) {
    Write(dir_ / name, text);
    const Outcome o = Pmlab("train --config " + Out(name) + " --out " + Out("x"));
    EXPECT_EQ(o.code, 2) << name << ": " << o.output;
    EXPECT_TRUE(Has(o, name)) << o.output;
    EXPECT_FALSE(fs::exists(Out("x")));
  }
  // Text with quotes, a backslash and a line break goes out escaped and comes back the same.
  const std::string odd = "a\\\"b'c\nd";
  ASSERT_EQ(Exec({"train", "--problem", "quadratic", "--iters", "2", "--data-dir", odd, "--out", Out("odd")}), 0);
  ASSERT_EQ(Exec({"train", "--config", Out("odd") + "/config.toml", "--out", Out("odd2")}), 0) << ReadFile(dir_ / "log");
  const auto data_dir = [&](const std::string& run) {
    const std::string config = ReadFile(dir_ / run / "config.toml");
    const std::size_t at = config.find("data-dir=");
    return config.substr(at, config.find('\n', at) - at);
  };
  EXPECT_EQ(data_dir("odd"), "data-dir=\"a\\\\\\\"b'c\\nd\"");
  EXPECT_EQ(data_dir("odd2"), data_dir("odd"));
}

TEST_F(RunFolderTrustTest, EndlessOrSpecialFilesAreRefusedAtOnce) {
  ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  for (const std::string& file : {std::string("/dev/zero"), Out("fifo"), dir_.string()}) {
    const auto start = std::chrono::steady_clock::now();
    const Outcome config = Pmlab("train --config " + file + " --out " + Out("x"));
    const Outcome sweep = Pmlab("sweep " + file + " --out " + Out("s"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20)) << file;
    EXPECT_EQ(config.code, 2) << file << ": " << config.output;
    EXPECT_NE(sweep.code, 0) << file << ": " << sweep.output;
    EXPECT_FALSE(fs::exists(Out("x")) || fs::exists(Out("s")));
  }
  // A config larger than a config file may be.
  Write(dir_ / "big.toml", "[train]\n# " + std::string(5 << 20, 'x') + "\n");
  const Outcome big = Pmlab("train --config " + Out("big.toml") + " --out " + Out("x"));
  EXPECT_EQ(big.code, 2);
  EXPECT_TRUE(Has(big, "MiB")) << big.output;
}

TEST_F(RunFolderTrustTest, ACheckpointOfAnotherRunIsRefusedAndNothingIsDeleted) {
  const fs::path t = Train("t");
  ASSERT_EQ(Pmlab(kRl + "--iters 5 --checkpoint-every 5 --out " + Out("l")).code, 0);
  const fs::path other = Train("other", "--lr 0.3");
  for (const fs::path& foreign : {dir_ / "l" / "checkpoints" / "ckpt-000005.pmlab", other / "checkpoints" / "ckpt-000010.pmlab"}) {
    fs::copy_file(foreign, t / "checkpoints" / "ckpt-000040.pmlab", fs::copy_options::overwrite_existing);
    const auto before = Snapshot(t);
    for (const std::string& command : {"eval " + t.string(), "resume " + t.string() + " --iters 50", "inspect " + t.string()}) {
      const Outcome o = Pmlab(command);
      EXPECT_EQ(o.code, 1) << command << ": " << o.output;
      EXPECT_TRUE(Has(o, "does not belong to the run")) << o.output;
    }
    EXPECT_EQ(Snapshot(t), before) << foreign;
  }
  // A checkpoint of the same run (the same config, whatever its length) is its own.
  fs::copy_file(t / "checkpoints" / "ckpt-000010.pmlab", t / "checkpoints" / "ckpt-000040.pmlab", fs::copy_options::overwrite_existing);
  EXPECT_EQ(Pmlab("eval " + t.string()).code, 0);
}

TEST_F(RunFolderTrustTest, ADamagedNewestCheckpointNamesTheIntactOne) {
  const fs::path t = Train("t");
  const fs::path newest = t / "checkpoints" / "ckpt-000020.pmlab";
  fs::resize_file(newest, fs::file_size(newest) - 5);
  const Outcome o = Pmlab("resume " + t.string() + " --iters 30");
  EXPECT_EQ(o.code, 1) << o.output;
  EXPECT_TRUE(Has(o, "pmlab resume " + (t / "checkpoints" / "ckpt-000010.pmlab").string())) << o.output;
}

TEST_F(RunFolderTrustTest, TwoWritersOnOneFolder) {
  const Outcome start = Pmlab(kTrain + "--iters 3000 --checkpoint-every 1000 --eval-every 0 --out " + Out("c"));
  ASSERT_EQ(start.code, 0) << start.output;
  // A first writer that cannot finish before it is stopped.
  const pid_t first = pmlab::testing::Spawn("resume " + Out("c") + " --iters 1000000000", dir_ / "first.log");
  // It holds the folder once it names itself in the lock file.
  for (int i = 0; i < 400 && ReadFile(dir_ / "c" / ".lock").find("pmlab resume") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (ReadFile(dir_ / "c" / ".lock").find("pmlab resume") == std::string::npos) {
    ::kill(first, SIGKILL);
    pmlab::testing::Wait(first);
    FAIL() << "the first writer did not take the lock within 20 s: " << ReadFile(dir_ / "first.log");
  }
  const Outcome second = Pmlab("resume " + Out("c") + " --iters 2000000000");
  // Readers keep working beside the writer: inspect takes no lock.
  const Outcome reader = Pmlab("inspect " + Out("c"));
  ::kill(first, SIGINT);  // it finishes its round, checkpoints and stops
  const int code = pmlab::testing::Wait(first);
  EXPECT_EQ(second.code, 1) << second.output;
  EXPECT_TRUE(Has(second, "being written by another process (process " + std::to_string(first))) << second.output;
  EXPECT_EQ(reader.code, 0) << reader.output;
  EXPECT_EQ(code, 130) << ReadFile(dir_ / "first.log");
  // The first one's rows are whole and in order, one per iteration up to where it stopped: a
  // later resume takes the folder as it is and ends with one row per iteration.
  const std::string rows = ReadFile(dir_ / "c" / "metrics.csv");
  const auto stopped = std::count(rows.begin(), rows.end(), '\n') - 1;
  ASSERT_GT(stopped, 3000);
  const Outcome finish = Pmlab("resume " + Out("c") + " --iters " + std::to_string(stopped + 100) + " --quiet");
  EXPECT_EQ(finish.code, 0) << finish.output;
  const std::string metrics = ReadFile(dir_ / "c" / "metrics.csv");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), stopped + 101);
}

TEST_F(RunFolderTrustTest, ResumeRefusesADamagedMetricsFileAndChangesNothing) {
  const std::map<std::string, std::function<std::string(const std::string&)>> damage = {
      {"truncated mid-file", [](const std::string& s) { return s.substr(0, s.size() * 2 / 3); }},
      {"cut to its header", [](const std::string& s) { return s.substr(0, s.find('\n') + 1); }},
      {"rows duplicated", [](const std::string& s) {
         const std::size_t body = s.find('\n') + 1;
         return s + s.substr(body);
       }},
      {"a row missing", [](const std::string& s) {
         const std::size_t row3 = s.find("\n3,") + 1;
         return s.substr(0, row3) + s.substr(s.find('\n', row3) + 1);
       }},
  };
  for (const auto& [what, change] : damage) {
    const fs::path t = Train("t-" + std::to_string(what.size()));
    Write(t / "metrics.csv", change(ReadFile(t / "metrics.csv")));
    const auto before = Snapshot(t);
    const Outcome o = Pmlab("resume " + t.string() + " --iters 30");
    EXPECT_EQ(o.code, 1) << what << ": " << o.output;
    EXPECT_TRUE(Has(o, "metrics.csv") && Has(o, "Nothing was changed")) << what << ": " << o.output;
    EXPECT_EQ(Snapshot(t), before) << what;
  }
}

TEST_F(RunFolderTrustTest, TextFromNamesNeverRunsInGnuplot) {
  const std::string run = Out("q`touch pwned1`$(touch pwned2)'\"x");
  ASSERT_EQ(Exec({"train", "--problem", "quadratic", "--iters", "5", "--quiet", "--out", run}), 0) << ReadFile(dir_ / "log");
  const std::string title = "t`touch pwned3` system(\"touch pwned4\") 'quoted'\nsecond line";
  EXPECT_EQ(Exec({"plot", run, "--metric", "train_loss", "--title", title, "--out", Out("p`touch pwned7`.png")}), 0) << ReadFile(dir_ / "log");
  EXPECT_TRUE(fs::exists(Out("p`touch pwned7`.png")));
  // A sweep whose axis values carry the same.
  Write(dir_ / "sweep.toml",
        "command = \"train\"\n[base]\nproblem = \"quadratic\"\niters = 3\n[axes]\n"
        "data-dir = [\"a`touch pwned5`\", \"b'system(\\\"touch pwned6\\\")'\"]\n");
  ASSERT_EQ(Exec({"sweep", Out("sweep.toml"), "--out", Out("sw"), "--quiet"}), 0) << ReadFile(dir_ / "log");
  EXPECT_EQ(Exec({"plot", Out("sw"), "--metric", "train_loss", "--over", "data-dir", "--out", Out("s.png")}), 0) << ReadFile(dir_ / "log");
  EXPECT_EQ(Exec({"plot", Out("sw"), "--metric", "train_loss", "--over", "bogus", "--out", Out("s.png")}), 2);  // as report does
  for (const fs::path& where : {fs::current_path(), dir_, dir_ / "sw"})
    for (int i = 1; i <= 7; ++i) EXPECT_FALSE(fs::exists(where / ("pwned" + std::to_string(i)))) << where << " " << i;
}

TEST_F(RunFolderTrustTest, ASweepChecksEveryValueBeforeItCreatesItsFolder) {
  const std::map<std::string, std::string> bad = {
      {"beta", "beta = [0.1, 7]"},
      {"lr", "lr = [nan, inf]"},
      {"iters", "seed = [1, 2]\niters = [1, 0]"},
  };
  for (const auto& [what, axes] : bad) {
    Write(dir_ / "s.toml", "command = \"train\"\n[base]\nproblem = \"quadratic\"\n[axes]\n" + axes + "\n");
    const Outcome o = Pmlab("sweep " + Out("s.toml") + " --out " + Out("sw"));
    EXPECT_EQ(o.code, 2) << what << ": " << o.output;
    EXPECT_FALSE(fs::exists(Out("sw"))) << what;
  }
  // A grid too large to hold is refused by its size, before anything is allocated for it.
  std::string axis = "[";
  for (int i = 1; i <= 1000; ++i) axis += std::to_string(i) + (i < 1000 ? "," : "]");
  Write(dir_ / "huge.toml", "command = \"train\"\n[axes]\nseed = " + axis + "\niters = " + axis + "\nquadratic-dim = " + axis + "\n");
  const Outcome huge = Pmlab("sweep " + Out("huge.toml") + " --out " + Out("sw"));
  EXPECT_EQ(huge.code, 2) << huge.output;
  EXPECT_TRUE(Has(huge, "1000 x 1000 x 1000")) << huge.output;
  EXPECT_FALSE(fs::exists(Out("sw")));
}

TEST_F(RunFolderTrustTest, SeedsAreZeroToTwoToTheSixtyFourMinusOne) {
  for (const std::string seed : {"-1", "18446744073709551616", "99999999999999999999999", "1e3", "0x10", ""}) {
    const Outcome o = Pmlab(kTrain + "--iters 1 --seed '" + seed + "' --out " + Out("s"));
    EXPECT_EQ(o.code, 2) << seed << ": " << o.output;
    EXPECT_FALSE(fs::exists(Out("s")));
  }
  ASSERT_EQ(Pmlab(kTrain + "--iters 2 --seed 18446744073709551615 --out " + Out("max")).code, 0);
  ASSERT_EQ(Pmlab(kTrain + "--iters 2 --seed 0 --out " + Out("zero")).code, 0);
  EXPECT_NE(pmlab::testing::Hash(dir_ / "max"), pmlab::testing::Hash(dir_ / "zero"));
  // The largest seed survives config.toml (beyond TOML's 64-bit integers, written as text).
  ASSERT_EQ(Pmlab("train --config " + Out("max") + "/config.toml --out " + Out("max2")).code, 0);
  EXPECT_EQ(pmlab::testing::Hash(dir_ / "max"), pmlab::testing::Hash(dir_ / "max2"));
  ASSERT_EQ(Pmlab(kRl + "--iters 1 --out " + Out("l")).code, 0);
  EXPECT_EQ(Pmlab("eval " + Out("l") + " --episodes 2 --seed -1").code, 2);
  EXPECT_EQ(Pmlab("eval " + Out("l") + " --episodes 2 --seed 18446744073709551615").code, 0);
}

TEST_F(RunFolderTrustTest, EnvironmentParametersStayWhereTheSimulationIsFinite) {
  for (const std::string env : {"LunarLander-v3(wind_power=1e300,enable_wind=true)", "LunarLander-v3(turbulence_power=1e300)",
                                 "PointNav-v0(goal_x=1e308)", "CartPole-v1(pole_length=1e300)", "CartPole-v1(pole_mass=0)",
                                 "Pendulum-v1(g=-1e308)", "PointNav(goal_range=1e300)", "CartPole(mass_high=1e9)"}) {
    const bool family = env.find("-v") == std::string::npos;
    const Outcome o = Pmlab((family ? "meta --task '" : "rl --env '") + env + "' --iters 1 --out " + Out("e"));
    EXPECT_EQ(o.code, 2) << env << ": " << o.output;
    EXPECT_FALSE(fs::exists(Out("e")));
  }
  // The ends of each range run and stay finite.
  for (const std::string env : {"LunarLander-v3(wind_power=50,turbulence_power=10,enable_wind=true)", "CartPole-v1(pole_length=0.01,pole_mass=1000,cart_mass=0.001)",
                                 "Pendulum-v1(g=100)", "PointNav-v0(goal_x=100,goal_y=-100)"}) {
    const Outcome o = Pmlab("rl --env '" + env + "' --iters 2 --workers 2 --quiet --out " + Out("ok"));
    EXPECT_EQ(o.code, 0) << env << ": " << o.output;
    fs::remove_all(Out("ok"));
  }
}

TEST_F(RunFolderTrustTest, EmptyTextIsRefusedWhereItMeansNothing) {
  for (const std::string& args : {kTrain + "--out ''", kTrain + "--hidden '' --out " + Out("h"), std::string("envs --render '' --out x.png"),
                                  kTrain + "--data-dir '' --out " + Out("d")}) {
    const Outcome o = Pmlab(args);
    EXPECT_EQ(o.code, 2) << args << ": " << o.output;
    EXPECT_TRUE(Has(o, "must not be empty")) << o.output;
  }
  const fs::path t = Train("t");
  fs::create_directories(dir_ / "empty");
  EXPECT_EQ(Pmlab("compare " + t.string() + " " + Out("empty")).code, 2);
  EXPECT_EQ(Pmlab("compare " + t.string() + " --loss-level nan").code, 2);
  const Outcome zero = Pmlab("compare " + t.string() + " --loss-level 0");
  EXPECT_EQ(zero.code, 2);
  EXPECT_LT(zero.output.size(), 300u) << zero.output;  // no 309-digit bound
  EXPECT_EQ(Pmlab("plot " + t.string() + " --metric test_accuracy --out " + Out("p.png")).code, 2);  // an all-empty column
}

TEST_F(RunFolderTrustTest, RlRunsReportReturns) {
  const Outcome o = Pmlab("rl --env CartPole-v1 --workers 2 --episodes-per-worker 2 --eval-episodes 2 --iters 2 --out " + Out("l"));
  ASSERT_EQ(o.code, 0) << o.output;
  EXPECT_TRUE(Has(o, "(evaluation return ")) << o.output;
  EXPECT_FALSE(Has(o, "test loss")) << o.output;
  const std::string summary = ReadFile(dir_ / "l" / "summary.json");
  EXPECT_NE(summary.find("\"final_eval_return\": "), std::string::npos) << summary;
  EXPECT_EQ(summary.find("final_test_loss"), std::string::npos) << summary;
}

}  // namespace
