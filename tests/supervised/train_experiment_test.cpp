// End-to-end runs of the paper's experiment on the real Fashion-MNIST files, small enough for CI.
#include "supervised/train_experiment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <cmath>
#include <cstring>
#include <sstream>

#include "core/run/metrics_table.h"

namespace pmlab::supervised {
namespace {

namespace fs = std::filesystem;

fs::path RunDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("pmlab-e2e-" + name);
  fs::remove_all(dir);
  return dir;
}

TrainConfig Small() {
  TrainConfig c;
  c.workers = 6;
  c.hidden = "64";
  c.batch = "200";
  c.iters = 12;
  c.momentum.lr = 0.5;
  c.momentum.beta = 0.3;
  c.transform.compress = "randk:0.1";
  c.transform.error_feedback = "ef";
  c.shard = "iid";
  c.eval_every = 4;
  c.quiet = true;
  return c;
}

std::string Summary(const fs::path& dir) {
  std::ifstream in(dir / "summary.json");
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string Field(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) return {};
  const auto start = at + key.size() + 4;
  return json.substr(start, json.find_first_of(",\n", start) - start);
}

// Metrics without the wall-clock column, which is the one thing allowed to differ.
std::vector<std::vector<double>> Deterministic(const fs::path& dir) {
  auto table = core::MetricsTable::Load(dir / "metrics.csv");
  const std::size_t wall = table.Column("wall_seconds");
  for (auto& row : table.rows) row.erase(row.begin() + static_cast<std::ptrdiff_t>(wall));
  return table.rows;
}

int StartTrain(const TrainConfig& c, std::ostream& log) { return core::StartRun(c, {1, "train"}, "", TrainProblem(c), log); }

bool SameBits(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < a[i].size(); ++j)
      if (std::memcmp(&a[i][j], &b[i][j], sizeof(double)) != 0) return false;
  return true;
}

TEST(TrainExperimentTest, ResultsAreBitIdenticalForOneTwoAndFourThreads) {
  std::ostringstream log;
  std::vector<fs::path> dirs;
  for (int threads : {1, 2, 4}) {
    TrainConfig c = Small();
    c.threads = threads;
    c.out = RunDir("threads" + std::to_string(threads)).string();
    ASSERT_EQ(StartTrain(c, log), core::kExitOk);
    dirs.push_back(c.out);
  }
  const auto reference = Deterministic(dirs[0]);
  ASSERT_EQ(reference.size(), 12u);
  const std::string hash = Field(Summary(dirs[0]), "parameter_hash");
  ASSERT_FALSE(hash.empty());
  for (std::size_t i = 1; i < dirs.size(); ++i) {
    EXPECT_TRUE(SameBits(Deterministic(dirs[i]), reference)) << dirs[i];
    EXPECT_EQ(Field(Summary(dirs[i]), "parameter_hash"), hash) << dirs[i];
  }

  TrainConfig other = Small();
  other.seed = 2;
  other.out = RunDir("seed2").string();
  ASSERT_EQ(StartTrain(other, log), core::kExitOk);
  EXPECT_NE(Field(Summary(other.out), "parameter_hash"), hash);
  EXPECT_FALSE(SameBits(Deterministic(other.out), reference));
}

TEST(TrainExperimentTest, PaperStyleRunLearns) {
  // Contiguous shards, full local gradients, Top-K, momentum: the paper's setting, scaled down.
  TrainConfig c;
  c.workers = 20;
  c.hidden = "128";
  c.iters = 25;
  c.momentum.lr = 0.5;
  c.momentum.beta = 0.1;
  c.transform.compress = "topk:0.05";
  c.eval_every = 25;
  c.quiet = true;
  c.out = RunDir("learns").string();
  std::ostringstream log;
  ASSERT_EQ(StartTrain(c, log), core::kExitOk);
  const auto table = core::MetricsTable::Load(fs::path(c.out) / "metrics.csv");
  const std::size_t loss = table.Column("train_loss"), acc = table.Column("test_accuracy");
  const std::size_t error = table.Column("transform_error"), bits = table.Column("bits");
  ASSERT_EQ(table.rows.size(), 25u);
  EXPECT_NEAR(table.rows.front()[loss], std::log(10.0), 0.1);  // chance level at the start
  EXPECT_LT(table.rows.back()[loss], 0.6 * table.rows.front()[loss]);
  EXPECT_GT(table.rows.back()[acc], 0.6);
  // Top-5% keeps most of the energy but not all of it, and sends 5% of the values.
  EXPECT_GT(table.rows.back()[error], 0.0);
  EXPECT_LT(table.rows.back()[error], 1.0);
  const double d = 784 * 128 + 128 + 128 * 10 + 10;
  EXPECT_DOUBLE_EQ(table.rows.back()[bits], 20 * std::round(0.05 * d) * (32 + std::ceil(std::log2(d))));
  EXPECT_EQ(Field(Summary(c.out), "status"), "\"completed\"");
}

}  // namespace
}  // namespace pmlab::supervised
