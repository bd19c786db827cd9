// Runs the real pmlab binary as a user would: bad input must give its exit code and a message
// that names the problem, and must not leave a run folder behind.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/run/metrics_table.h"
#include "runners/pmlab_process.h"

namespace {

namespace fs = std::filesystem;

using pmlab::testing::Outcome;
using pmlab::testing::Pmlab;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = pmlab::testing::FreshTestDirectory("cli");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Out(const std::string& name = "run") const { return (dir_ / name).string(); }
  // A fast quadratic run with the given extra flags.
  std::string Quadratic(const std::string& flags, const std::string& out = "run") const {
    return "train --problem quadratic --workers 4 --iters 20 --quiet --out " + Out(out) + " " + flags;
  }
  fs::path dir_;
};

struct BadCase {
  std::string flags;
  int code;
  std::string message;
};

TEST_F(CliTest, BadFlagsGiveUsageErrorsNamingTheFlagAndLeaveNoRun) {
  const BadCase cases[] = {
      {"--compress gzip", 2, "unknown compressor 'gzip'"},
      {"--compress topk:0", 2, "--compress"},
      {"--compress topk:21", 2, "from 1 to the dimension 20"},
      {"--compress topk:0.0", 2, "(0, 1]"},
      {"--compress qsgd:0", 2, "levels"},
      {"--lr 0", 2, "--lr"},
      {"--lr -0.5", 2, "--lr"},
      {"--lr abc", 2, "--lr"},
      {"--beta 0", 2, "(0, 1]"},
      {"--beta 1.5", 2, "(0, 1]"},
      {"--clip norm:0", 2, "TAU"},
      {"--clip norm:-2", 2, "TAU"},
      {"--clip value:x", 2, "--clip"},
      {"--workers 0", 2, "--workers"},
      {"--error-feedback ef3", 2, "--error-feedback"},
      {"--schedule linear", 2, "--schedule"},
      {"--iters 0", 2, "--iters"},
      {"--batch 0", 2, "--batch"},
      {"--batch 51", 2, "--batch"},
      {"--momentum-at both", 2, "--momentum-at"},
      {"--bogus 3", 2, "--bogus"},
      {"--server sgd", 2, "unknown server rule 'sgd' (registered: adam, momentum, rmsprop"},
      {"--server 'adam(beta2=1)'", 2, "--server: adam: parameter beta2"},
      {"--server 'adam(beta1=-0.5)'", 2, "--server: adam: parameter beta1"},
      {"--server 'adam(eps=0)'", 2, "parameter eps"},
      {"--server 'rmsprop(alpha=1.5)'", 2, "--server: rmsprop: parameter alpha"},
      {"--server adam --nesterov", 2, "--nesterov: the server rule 'adam' has no Nesterov variant"},
  };
  for (const auto& c : cases) {
    const Outcome o = Pmlab(Quadratic(c.flags));
    EXPECT_EQ(o.code, c.code) << c.flags << "\n" << o.output;
    EXPECT_NE(o.output.find(c.message), std::string::npos) << c.flags << "\n" << o.output;
    EXPECT_NE(o.output.find("error"), std::string::npos) << c.flags;
    EXPECT_FALSE(fs::exists(Out())) << c.flags << " left a run folder";
  }
}

TEST_F(CliTest, FmnistSpecificBadInput) {
  const BadCase cases[] = {
      {"--workers 70000", 2, "exceeds the 60000 training images"},
      {"--hidden 512,,512", 2, "--hidden"},
      {"--hidden 512,x", 2, "--hidden"},
      {"--hidden 0", 2, "--hidden"},
      {"--compress topk:669707", 2, "dimension 669706"},
      {"--data-dir " + fs::temp_directory_path().string() + "/pmlab-no-such-dir", 1, "not found"},
  };
  for (const auto& c : cases) {
    const Outcome o = Pmlab("train --iters 1 --quiet --out " + Out() + " " + c.flags);
    EXPECT_EQ(o.code, c.code) << c.flags << "\n" << o.output;
    EXPECT_NE(o.output.find(c.message), std::string::npos) << c.flags << "\n" << o.output;
    EXPECT_FALSE(fs::exists(Out())) << c.flags << " left a run folder";
  }
}

TEST_F(CliTest, CorruptDatasetIsARuntimeErrorNamingTheFile) {
  const fs::path data = dir_ / "data";
  fs::create_directories(data);
  const fs::path source = "/usr/share/datasets/fashion-mnist";
  for (const char* f : {"train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    fs::copy_file(source / f, data / f);
  // Wrong magic number.
  std::ofstream(data / "train-images-idx3-ubyte", std::ios::binary) << std::string("\x00\x00\x08\x01rest", 8);
  Outcome o = Pmlab("train --iters 1 --quiet --out " + Out() + " --data-dir " + data.string());
  EXPECT_EQ(o.code, 1) << o.output;
  EXPECT_NE(o.output.find("train-images-idx3-ubyte' is not an IDX3"), std::string::npos) << o.output;
  // Right header, truncated pixels.
  std::ofstream(data / "train-images-idx3-ubyte", std::ios::binary | std::ios::trunc)
      << std::string("\x00\x00\x08\x03\x00\x00\xea\x60\x00\x00\x00\x1c\x00\x00\x00\x1c", 16) << "short";
  o = Pmlab("train --iters 1 --quiet --out " + Out() + " --data-dir " + data.string());
  EXPECT_EQ(o.code, 1) << o.output;
  EXPECT_NE(o.output.find("truncated"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(Out()));
}

TEST_F(CliTest, UnwritableOrOccupiedOutputIsRefused) {
  Outcome o = Pmlab("train --problem quadratic --iters 1 --quiet --out /proc/pmlab-run");
  EXPECT_EQ(o.code, 1) << o.output;
  EXPECT_NE(o.output.find("cannot create output folder"), std::string::npos) << o.output;
  ASSERT_EQ(Pmlab(Quadratic("")).code, 0);
  o = Pmlab(Quadratic(""));
  EXPECT_EQ(o.code, 2) << o.output;
  EXPECT_NE(o.output.find("already holds a run"), std::string::npos) << o.output;
}

TEST_F(CliTest, ConfigFileRepeatsARunAndFlagsOverrideIt) {
  ASSERT_EQ(Pmlab(Quadratic("--compress topk:5 --beta 0.3 --batch 10 --nesterov", "a")).code, 0);
  const std::string config = (dir_ / "a" / "config.toml").string();
  ASSERT_EQ(Pmlab("train --config " + config + " --out " + Out("b")).code, 0);
  ASSERT_EQ(Pmlab("train --config " + config + " --beta 1 --out " + Out("c")).code, 0);
  using pmlab::core::MetricsTable;
  const auto a = MetricsTable::Load(dir_ / "a" / "metrics.csv");
  const auto b = MetricsTable::Load(dir_ / "b" / "metrics.csv");
  const auto c = MetricsTable::Load(dir_ / "c" / "metrics.csv");
  const std::size_t loss = a.Column("train_loss");
  ASSERT_EQ(a.rows.size(), 20u);
  ASSERT_EQ(b.rows.size(), 20u);
  for (std::size_t i = 0; i < a.rows.size(); ++i) EXPECT_EQ(a.rows[i][loss], b.rows[i][loss]) << "row " << i;
  EXPECT_NE(a.rows.back()[loss], c.rows.back()[loss]);
  std::ifstream in(dir_ / "c" / "config.toml");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("beta=1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("compress=\"topk:5\""), std::string::npos) << text;
  EXPECT_NE(text.find("nesterov=true"), std::string::npos) << text;
}

TEST_F(CliTest, UnknownConfigKeyIsAUsageError) {
  std::ofstream(dir_ / "bad.toml") << "[train]\nworkers=3\nlearning_rate=0.1\n";
  const Outcome o = Pmlab("train --config " + (dir_ / "bad.toml").string() + " --out " + Out());
  EXPECT_EQ(o.code, 2) << o.output;
  EXPECT_NE(o.output.find("unknown option 'train.learning_rate'"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(Out()));
}

TEST_F(CliTest, DivergenceStopsWithExitCodeThreeAndSaysWhere) {
  const Outcome o = Pmlab("train --problem quadratic --workers 2 --iters 500 --lr 1000 --beta 1 --out " + Out());
  EXPECT_EQ(o.code, 3) << o.output;
  EXPECT_NE(o.output.find("diverged at iteration"), std::string::npos) << o.output;
  std::ifstream in(dir_ / "run" / "summary.json");
  const std::string summary((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(summary.find("\"status\": \"diverged\""), std::string::npos) << summary;
}

TEST_F(CliTest, HelpAndVersionSucceed) {
  Outcome o = Pmlab("train --help");
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.output.find("--compress"), std::string::npos);
  EXPECT_EQ(Pmlab("--version").code, 0);
  EXPECT_EQ(Pmlab("").code, 2);
}

TEST_F(CliTest, CompareReportsRoundsToLevel) {
  ASSERT_EQ(Pmlab(Quadratic("--beta 0.5", "a")).code, 0);
  const Outcome o = Pmlab("compare " + Out("a") + " --loss-level 1000");
  EXPECT_EQ(o.code, 0) << o.output;
  EXPECT_NE(o.output.find(Out("a")), std::string::npos);
  EXPECT_EQ(Pmlab("compare " + Out("missing")).code, 2);
  // A diverged run says so, with its iteration, instead of printing nan or inf.
  ASSERT_EQ(Pmlab(Quadratic("--beta 1 --lr 1000", "blown")).code, 3);
  const Outcome d = Pmlab("compare " + Out("a") + " " + Out("blown"));
  EXPECT_EQ(d.code, 0) << d.output;
  EXPECT_NE(d.output.find("diverged at iteration"), std::string::npos) << d.output;
  EXPECT_EQ(d.output.find("nan"), std::string::npos) << d.output;
  EXPECT_EQ(d.output.find("inf"), std::string::npos) << d.output;
}

}  // namespace
