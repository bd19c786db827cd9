#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "core/io/atomic_file.h"
#include "core/io/file_text.h"
#include "core/run/run_lock.h"
#include "core/run/metrics_table.h"
#include "core/run/metrics_writer.h"

namespace pmlab::core {
namespace {

// Each test's own folder, removed after it.
class ScratchFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pmlab-metrics-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};
using MetricsTest = ScratchFolderTest;
using FileTextTest = ScratchFolderTest;
using RunLockTest = ScratchFolderTest;
using AtomicFileTest = ScratchFolderTest;

TEST_F(MetricsTest, RowsRoundTripExactlyWithEmptyCells) {
  const auto& dir = dir_;
  {
    MetricsWriter w(dir / "m.csv", {"iteration", "loss", "acc"});
    w.Write({1.0, 0.1 + 0.2, std::nullopt});
    w.Write({2.0, 1.0 / 3.0, 0.875});
    EXPECT_THROW(w.Write({1.0}), std::logic_error);
  }
  const MetricsTable t = MetricsTable::Load(dir / "m.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.columns, (std::vector<std::string>{"iteration", "loss", "acc"}));
  EXPECT_EQ(t.rows[0][1], 0.1 + 0.2);
  EXPECT_TRUE(std::isnan(t.rows[0][2]));
  EXPECT_EQ(t.rows[1][1], 1.0 / 3.0);
  EXPECT_EQ(t.Column("acc"), 2u);
  EXPECT_THROW(t.Column("nope"), std::runtime_error);
}

TEST_F(MetricsTest, MalformedFilesAreRefusedWithTheLine) {
  const auto& dir = dir_;
  std::ofstream(dir / "bad.csv") << "a,b\n1,2\n3\n";
  try {
    MetricsTable::Load(dir / "bad.csv");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
}

// What a resume keeps of metrics.csv: rows 1..k in order; rows after k (a killed process's)
// dropped, a torn last row dropped; anything else refused with the line.
TEST_F(MetricsTest, ResumeKeepsRowsUpToTheCheckpointAndRefusesDamage) {
  const auto& dir = dir_;
  const std::vector<std::string> columns{"iteration", "loss"};
  const auto check = [&](const std::string& text, std::int64_t through) {
    { std::ofstream(dir / "m.csv", std::ios::binary) << text; }
    return MetricsWriter::Check(dir / "m.csv", columns, through);
  };
  const std::string header = "iteration,loss\n";
  MetricsWriter::Kept k = check(header + "1,0.5\n2,0.25\n3,0.125\n4,0.1", 2);
  EXPECT_EQ(k.problem, "");
  EXPECT_EQ(k.text, header + "1,0.5\n2,0.25\n");
  EXPECT_EQ(check(header, 0).problem, "");

  k = check(header + "1,0.5\n2,0.25\n", 3);  // cut short
  EXPECT_NE(k.problem.find("rows up to 3 are missing"), std::string::npos) << k.problem;
  EXPECT_EQ(k.rows_in_order, 2);
  k = check(header + "1,0.5\n1,0.5\n2,0.25\n", 2);  // a row twice
  EXPECT_NE(k.problem.find("line 3"), std::string::npos) << k.problem;
  EXPECT_EQ(k.rows_in_order, 1);
  k = check(header + "1,0.5\n3,0.25\n", 2);  // a row missing
  EXPECT_NE(k.problem.find("iteration 3"), std::string::npos) << k.problem;
  k = check(header + "1,0.5\n2,0.25\n1,0.5\n", 2);  // an older row after the checkpoint's
  EXPECT_NE(k.problem, "");
  k = check(header + "1,0.5\n2,0.", 2);  // torn inside the rows the checkpoint needs
  EXPECT_NE(k.problem.find("cut short"), std::string::npos) << k.problem;
  k = check("iteration,other\n1,0.5\n", 1);  // other columns
  EXPECT_NE(k.problem.find("columns"), std::string::npos) << k.problem;
  k = check(header + "x,0.5\n", 1);
  EXPECT_NE(k.problem.find("iteration number"), std::string::npos) << k.problem;

  // Resume writes exactly what was kept, then appends.
  k = check(header + "1,0.5\n2,0.25\n3,0.125\n", 2);
  {
    MetricsWriter w = MetricsWriter::Resume(dir / "m.csv", columns, k);
    w.Write({3.0, 0.0625});
  }
  std::ifstream in(dir / "m.csv");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), header + "1,0.5\n2,0.25\n3,0.0625\n");
  EXPECT_THROW(MetricsWriter::Resume(dir / "m.csv", columns, check(header, 1)), std::logic_error);
}

TEST_F(FileTextTest, ReadsRegularFilesWithinTheirLimitOnly) {
  const auto& dir = dir_;
  { std::ofstream(dir / "small") << "hello"; }
  EXPECT_EQ(ReadFileText(dir / "small", 5, "test file"), "hello");
  EXPECT_EQ(CheckRegularFile(dir / "small", 5, "test file"), 5u);
  try {
    ReadFileText(dir / "small", 4, "test file");
    ADD_FAILURE();
  } catch (const FileTextError& e) {
    EXPECT_NE(std::string(e.what()).find("more than the 4 bytes a test file may be"), std::string::npos) << e.what();
  }
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  for (const auto& path : {dir / "fifo", std::filesystem::path("/dev/zero"), dir, dir / "missing"})
    EXPECT_THROW(ReadFileText(path, 1 << 20, "test file"), FileTextError) << path;
  EXPECT_EQ(ByteSize(4ull << 20), "4 MiB");
  EXPECT_EQ(ByteSize(1536), "1.5 KiB");
  EXPECT_EQ(ByteSize(12), "12 bytes");
}

TEST_F(RunLockTest, OneHolderAtATimeReleasedWhenDropped) {
  const auto& dir = dir_;
  std::optional<RunLock> first(RunLock::Acquire(dir, "pmlab test"));
  try {
    RunLock::Acquire(dir, "pmlab second");
    ADD_FAILURE() << "a second lock was granted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("process " + std::to_string(::getpid()) + " pmlab test"), std::string::npos) << e.what();
  }
  first.reset();
  EXPECT_NO_THROW(RunLock::Acquire(dir, "pmlab third"));
}

TEST_F(AtomicFileTest, ReplacesContentsAndLeavesNoTemporaryFiles) {
  const auto& dir = dir_;
  WriteFileAtomically(dir / "f.txt", "old");
  WriteFileAtomically(dir / "f.txt", "new contents");
  std::ifstream in(dir / "f.txt");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "new contents");
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1);
  EXPECT_THROW(WriteFileAtomically(dir / "missing" / "f.txt", "x"), std::runtime_error);
}

}  // namespace
}  // namespace pmlab::core
