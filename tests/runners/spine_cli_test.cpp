// What every run kind relies on, tried as a user would with the real binary: configs that replay
// exactly, resume that continues exactly, a flag given twice, schedules that cannot be
// extended, runs killed at exact moments, and checkpoints written by pmlab 0.1.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <utility>
#include <string>

#include "runners/pmlab_process.h"

namespace {

namespace fs = std::filesystem;
using pmlab::testing::Hash;
using pmlab::testing::Metrics;
using pmlab::testing::Pmlab;
using pmlab::testing::ReadFile;

class SpineCliTest : public pmlab::testing::FolderTest {
 protected:
  SpineCliTest() : FolderTest("spine") {}
};

struct Precision {
  const char* name;
  const char* train;  ///< flags with every floating-point option of train at this precision
  const char* meta;   ///< the same for meta
};

// 9 significant digits, and 17 (values that are no short decimal: the shortest text that reads
// back to them has 17 digits, or the text typed is longer than needed).
const Precision kPrecisions[] = {
    {"9 digits", "--lr 0.123456789 --beta 0.333333333 --clip norm:2.71828183 --compress topk:0.123456789 --schedule step:7:0.912345678",
     "--lr 0.0123456789 --beta 0.333333333 --inner-lr 0.0123456789 --linreg-spread 1.23456789 --clip norm:2.71828183"},
    {"17 digits",
     "--lr 0.12345678901234568 --beta 0.30000000000000004 --clip norm:2.7182818284590451 --compress topk:0.12345678901234568 "
     "--schedule step:7:0.91234567890123456",
     "--lr 0.012345678901234568 --beta 0.30000000000000004 --inner-lr 0.010000000000000002 --linreg-spread 1.2345678901234567 "
     "--clip norm:2.7182818284590451"},
};

TEST_F(SpineCliTest, ConfigsReplayAndResumeBitForBitAtAnyPrecision) {
  for (const Precision& p : kPrecisions) {
    SCOPED_TRACE(p.name);
    const std::pair<std::string, std::string> runs[] = {
        {"train", std::string("--problem quadratic --workers 4 --quiet --eval-every 5 ") + p.train},
        {"meta", std::string("--task linreg --workers 2 --meta-batch 4 --quiet --eval-every 5 --eval-tasks 4 ") + p.meta}};
    for (const auto& [command, flags] : runs) {
      const std::string tag = command + "-" + p.name[0];
      ASSERT_EQ(Pmlab(command + " " + flags + " --iters 20 --out " + Out(tag + "a")).code, 0);
      // The stored config replays the run...
      const auto replay = Pmlab(command + " --config " + Out(tag + "a") + "/config.toml --out " + Out(tag + "b"));
      ASSERT_EQ(replay.code, 0) << replay.output;
      EXPECT_EQ(Hash(Out(tag + "a")), Hash(Out(tag + "b")));
      EXPECT_EQ(Metrics(Out(tag + "a")), Metrics(Out(tag + "b")));
      // ...and a run cut in two continues it exactly.
      ASSERT_EQ(Pmlab(command + " " + flags + " --iters 10 --out " + Out(tag + "c")).code, 0);
      ASSERT_EQ(Pmlab("resume " + Out(tag + "c") + " --iters 20 --quiet").code, 0);
      EXPECT_EQ(Hash(Out(tag + "a")), Hash(Out(tag + "c")));
      EXPECT_EQ(Metrics(Out(tag + "a")), Metrics(Out(tag + "c")));
    }
  }
  // What the user typed is what the file says, where it is already the shortest text.
  const std::string config = ReadFile(Out("train-9a") + "/config.toml");
  for (const char* line : {"lr=0.123456789\n", "beta=0.333333333\n", "clip=\"norm:2.71828183\"\n", "compress=\"topk:0.123456789\"\n",
                           "schedule=\"step:7:0.912345678\"\n"})
    EXPECT_NE(config.find(line), std::string::npos) << line << "\n" << config;
  EXPECT_NE(ReadFile(Out("meta-9a") + "/config.toml").find("inner-lr=0.0123456789\n"), std::string::npos);
}

TEST_F(SpineCliTest, AFlagGivenTwiceTakesTheLastValue) {
  const std::string base = "train --problem quadratic --workers 2 --iters 3 --quiet ";
  ASSERT_EQ(Pmlab(base + "--lr 0.1 --compress topk:3 --lr 0.2 --compress none --out " + Out("a")).code, 0);
  const std::string config = ReadFile(Out("a") + "/config.toml");
  EXPECT_NE(config.find("lr=0.2\n"), std::string::npos) << config;
  EXPECT_NE(config.find("compress=\"none\"\n"), std::string::npos) << config;
  // Appended to a config file's values, too.
  ASSERT_EQ(Pmlab("train --config " + Out("a") + "/config.toml --lr 0.3 --lr 0.4 --out " + Out("b")).code, 0);
  EXPECT_NE(ReadFile(Out("b") + "/config.toml").find("lr=0.4\n"), std::string::npos);
}

TEST_F(SpineCliTest, ACosineRunIsNotExtendedSilently) {
  ASSERT_EQ(Pmlab("train --problem quadratic --workers 2 --iters 6 --schedule cosine --quiet --out " + Out("a")).code, 0);
  const auto o = Pmlab("resume " + Out("a") + " --iters 12");
  EXPECT_EQ(o.code, 2) << o.output;
  EXPECT_NE(o.output.find("--schedule cosine"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("--iters"), std::string::npos) << o.output;
  // A step schedule depends on the iteration alone: extending it is the longer run.
  ASSERT_EQ(Pmlab("train --problem quadratic --workers 2 --iters 6 --schedule step:4:0.5 --quiet --out " + Out("b")).code, 0);
  ASSERT_EQ(Pmlab("resume " + Out("b") + " --iters 12 --quiet").code, 0);
  ASSERT_EQ(Pmlab("train --problem quadratic --workers 2 --iters 12 --schedule step:4:0.5 --quiet --out " + Out("c")).code, 0);
  EXPECT_EQ(Hash(Out("b")), Hash(Out("c")));
}

// A run killed at each named moment of its start, or right after its first metrics row, is
// either absent (and --out is free again) or resumable; either way it ends as the run that was
// never killed.
TEST_F(SpineCliTest, ARunKilledAtAnyMomentOfItsStartCanBeFinished) {
  const std::string run = "train --problem quadratic --workers 3 --iters 8 --checkpoint-every 4 --quiet --out ";
  ASSERT_EQ(Pmlab(run + Out("whole")).code, 0);
  for (const std::string point : {"run-staged", "run-created", "iteration-row"}) {
    SCOPED_TRACE(point);
    const std::string out = Out(point);
    const auto killed = Pmlab(run + out, "PMLAB_CRASH_AT=" + point);
    ASSERT_EQ(killed.code, 128 + 9) << "not killed by SIGKILL: " << killed.output;  // as the shell reports it
    if (point == "run-staged") {
      EXPECT_FALSE(fs::exists(out));
      ASSERT_EQ(Pmlab(run + out).code, 0);
    } else {
      const auto resumed = Pmlab("resume " + out + " --quiet");
      ASSERT_EQ(resumed.code, 0) << resumed.output;
      // A second train into the same folder is refused and points at resume.
      EXPECT_NE(Pmlab(run + out).output.find("pmlab resume"), std::string::npos);
    }
    EXPECT_EQ(Hash(Out("whole")), Hash(out));
    EXPECT_EQ(Metrics(Out("whole")), Metrics(out));
  }
}

TEST_F(SpineCliTest, ARunOfPmlabZeroPointOneResumes) {
  // tests/data/format1-run: three iterations of a quadratic run with Top-3 and error feedback,
  // written by pmlab 0.1 (checkpoint container format 1, no problem state).
  const fs::path run = dir_ / "old";
  fs::copy(fs::path(PMLAB_TEST_DATA) / "format1-run", run, fs::copy_options::recursive);
  const std::string before = ReadFile(run / "metrics.csv");
  const auto inspect = Pmlab("inspect " + run.string());
  ASSERT_EQ(inspect.code, 0) << inspect.output;
  EXPECT_NE(inspect.output.find("format      1"), std::string::npos) << inspect.output;
  ASSERT_EQ(Pmlab("eval " + run.string()).code, 0);
  const auto resumed = Pmlab("resume " + run.string() + " --iters 6 --quiet");
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  const std::string after = ReadFile(run / "metrics.csv");
  EXPECT_EQ(after.substr(0, before.size()), before);  // its rows kept, three more appended
  EXPECT_EQ(std::count(after.begin(), after.end(), '\n'), 7);
  EXPECT_NE(Pmlab("inspect " + run.string()).output.find("format      2"), std::string::npos);
}

}  // namespace
