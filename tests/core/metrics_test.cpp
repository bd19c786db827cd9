#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/io/atomic_file.h"
#include "core/run/metrics_table.h"
#include "core/run/metrics_writer.h"

namespace pmlab::core {
namespace {

std::filesystem::path TempDir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("pmlab-metrics-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(MetricsTest, RowsRoundTripExactlyWithEmptyCells) {
  const auto dir = TempDir();
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

TEST(MetricsTest, MalformedFilesAreRefusedWithTheLine) {
  const auto dir = TempDir();
  std::ofstream(dir / "bad.csv") << "a,b\n1,2\n3\n";
  try {
    MetricsTable::Load(dir / "bad.csv");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
}

TEST(AtomicFileTest, ReplacesContentsAndLeavesNoTemporaryFiles) {
  const auto dir = TempDir();
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
