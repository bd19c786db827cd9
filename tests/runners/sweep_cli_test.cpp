// `pmlab sweep`, `pmlab report` and `pmlab plot` as a user meets them: a sweep killed mid-run
// and resumed equals one never killed (and one run two at a time), bad sweep files are refused
// naming their line, and the report and figure come from the command line.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "runners/pmlab_process.h"

namespace {

namespace fs = std::filesystem;

using pmlab::testing::Hash;
using pmlab::testing::Metrics;
using pmlab::testing::Outcome;
using pmlab::testing::Pmlab;
using pmlab::testing::ReadFile;

// Two runs of a few seconds each, checkpointed every 50 iterations.
const char* kSweep = R"(command = "train"
[base]
problem = "quadratic"
quadratic_dim = 400
quadratic_rows = 400
workers = 4
iters = 600
lr = 0.05
eval_every = 50
checkpoint_every = 50
[axes]
beta = [0.1, 1]
[report]
loss_levels = [1, 0.01]
test_loss_levels = [1e-6]
)";

class SweepCliTest : public pmlab::testing::FolderTest {
 protected:
  SweepCliTest() : FolderTest("sweep") {}
  void SetUp() override {
    FolderTest::SetUp();
    std::ofstream(dir_ / "grid.toml") << kSweep;
  }
  // The rows of a run's metrics.csv so far.
  static std::size_t Rows(const fs::path& run) {
    std::ifstream in(run / "metrics.csv");
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n > 0 ? n - 1 : 0;
  }
};

TEST_F(SweepCliTest, ASweepKilledMidRunResumesToTheSweepNeverKilled) {
  const Outcome whole = Pmlab("sweep " + Out("grid.toml") + " --out " + Out("whole") + " --parallel-runs 2 --threads 2 --quiet");
  ASSERT_EQ(whole.code, 0) << whole.output;
  EXPECT_NE(whole.output.find("2 runs finished"), std::string::npos) << whole.output;

  // Start the same sweep in the background and kill it, as a power cut would, once the
  // second run is under way.
  FILE* shell = popen(("exec " + std::string(PMLAB_BINARY) + " sweep " + Out("grid.toml") + " --out " + Out("cut") + " --threads 1 --quiet > " +
                       Out("cut.log") + " 2>&1 & echo $!").c_str(), "r");
  long pid = 0;
  ASSERT_EQ(std::fscanf(shell, "%ld", &pid), 1);
  pclose(shell);
  const fs::path second = dir_ / "cut" / "beta-1";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (Rows(second) < 60 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGKILL), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the run dies with the sweep
  ASSERT_TRUE(fs::exists(dir_ / "cut" / "beta-0.1" / "summary.json")) << ReadFile(Out("cut.log"));
  ASSERT_FALSE(fs::exists(second / "summary.json")) << "the second run finished before the kill: make it longer";
  const std::size_t rows_at_kill = Rows(second);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Rows(second), rows_at_kill) << "the run outlived its sweep";

  // A second start of the same folder is refused: it holds a sweep.
  const Outcome again = Pmlab("sweep " + Out("grid.toml") + " --out " + Out("cut"));
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.output.find("--resume"), std::string::npos) << again.output;

  const Outcome resumed = Pmlab("sweep " + Out("cut") + " --resume --quiet");
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("1 finished, 1 to run"), std::string::npos) << resumed.output;
  EXPECT_NE(ReadFile(dir_ / "cut" / "logs" / "beta-1.log").find("$ pmlab resume"), std::string::npos);
  for (const char* run : {"beta-0.1", "beta-1"}) {
    EXPECT_EQ(Metrics(dir_ / "whole" / run), Metrics(dir_ / "cut" / run)) << run;
    EXPECT_EQ(Hash(dir_ / "whole" / run), Hash(dir_ / "cut" / run)) << run;
    EXPECT_FALSE(Hash(dir_ / "whole" / run).empty());
  }
  // summary.csv is the same but for wall time: drop that column from both.
  const auto without_wall = [](const std::string& csv) {
    std::istringstream in(csv);
    std::string out, line;
    std::ptrdiff_t wall = -1;
    while (std::getline(in, line)) {
      std::vector<std::string> cells;
      std::istringstream row(line);
      for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
      if (wall < 0) wall = std::find(cells.begin(), cells.end(), "wall_seconds") - cells.begin();
      cells.erase(cells.begin() + wall);
      for (const std::string& cell : cells) out += cell + ",";
      out += "\n";
    }
    return out;
  };
  EXPECT_EQ(without_wall(ReadFile(dir_ / "whole" / "summary.csv")), without_wall(ReadFile(dir_ / "cut" / "summary.csv")));
  // A finished sweep resumed runs nothing.
  const Outcome idle = Pmlab("sweep " + Out("cut") + " --resume --quiet");
  EXPECT_EQ(idle.code, 0) << idle.output;
  EXPECT_NE(idle.output.find("2 finished, 0 to run"), std::string::npos) << idle.output;
}

TEST_F(SweepCliTest, ReportAndPlotReadTheSweep) {
  ASSERT_EQ(Pmlab("sweep " + Out("grid.toml") + " --out " + Out("s") + " --parallel-runs 2 --quiet").code, 0);
  const Outcome report = Pmlab("report " + Out("s") + " --versus beta=1");
  ASSERT_EQ(report.code, 0) << report.output;
  EXPECT_NE(report.output.find("| beta | runs | diverged |"), std::string::npos) << report.output;
  EXPECT_NE(report.output.find("iters to train_loss ≤ 0.01"), std::string::npos) << report.output;
  EXPECT_EQ(ReadFile(dir_ / "s" / "report.md") + "\n(written to " + Out("s") + "/report.md)\n", report.output);

  const Outcome plot = Pmlab("plot " + Out("s") + " --metric test_loss --log-y --out " + Out("figs/loss.png"));
  ASSERT_EQ(plot.code, 0) << plot.output;
  const std::string png = ReadFile(dir_ / "figs" / "loss.png");
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  const std::string script = ReadFile(dir_ / "figs" / "loss.gp");
  EXPECT_NE(script.find("title 'beta=0.1'"), std::string::npos);
  EXPECT_NE(script.find("title 'beta=1'"), std::string::npos);
  // One panel per value of beta, against cumulative bits.
  ASSERT_EQ(Pmlab("plot " + Out("s") + " --panel beta --x bits --out " + Out("figs/panels.png")).code, 0);
  EXPECT_NE(ReadFile(dir_ / "figs" / "panels.gp").find("set multiplot layout 1,2"), std::string::npos);

  for (const std::string& bad : {"plot " + Out("s") + " --metric nope --out " + Out("x.png"), "plot " + Out("s") + " --panel seed --out " + Out("x.png"),
                                 "plot " + Out("s") + " --out " + Out("x.svg"), "report " + Out("s") + " --versus beta",
                                 "report " + Out("grid.toml")}) {
    const Outcome o = Pmlab(bad);
    EXPECT_EQ(o.code, 2) << bad << "\n" << o.output;
  }
}

TEST_F(SweepCliTest, BadSweepFilesAreRefusedNamingTheLineBeforeAnythingRuns) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"command = \"train\"\n[base]\nlearning_rate = 0.1\n", "bad.toml:3: 'learning-rate' is not an option of pmlab train"},
      {"command = \"train\"\n[axes]\nbeta = []\n", "bad.toml:3: axis 'beta' is empty"},
      {"command = \"train\"\n[base]\niters = \"many\"\n", "bad.toml:3: 'iters' = many"},
      {"command = \"train\"\n\n[axes]\nbeta = [0.1, \"high\"]\n", "bad.toml:4: 'beta' = high"},
      {"command = \"learn\"\n", "bad.toml:1: command 'learn' is not a run command"},
  };
  for (const auto& [text, message] : cases) {
    std::ofstream(dir_ / "bad.toml") << text;
    const Outcome o = Pmlab("sweep " + Out("bad.toml") + " --out " + Out("bad"));
    EXPECT_EQ(o.code, 2) << text << o.output;
    EXPECT_NE(o.output.find(message), std::string::npos) << o.output << "\nexpected: " << message;
    EXPECT_FALSE(fs::exists(dir_ / "bad")) << "a refused sweep leaves no folder";
  }
}

}  // namespace
