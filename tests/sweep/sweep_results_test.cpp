// summary.csv, pmlab report and pmlab plot on a small sweep written by hand, whose figures are
// worked out below: two seeds at beta = 0.1, and at beta = 1 one run that diverged and one that
// never started.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runners/pmlab_process.h"
#include "sweep/figure.h"
#include "sweep/sweep_report.h"
#include "sweep/sweep_results.h"

namespace pmlab::sweep {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

// A run folder: config.toml, metrics.csv with these (iteration, train_loss, test_accuracy)
// rows, and summary.json with `status` (none: unfinished).
void WriteRun(const fs::path& folder, const std::vector<std::tuple<int, std::string, std::string>>& rows, const std::string& status) {
  Write(folder / "config.toml", "[train]\n");
  std::ostringstream csv;
  csv << "iteration,train_loss,grad_norm,transform_error,bits,bits_total,test_loss,test_accuracy,lr,wall_seconds\n";
  for (const auto& [k, loss, accuracy] : rows) csv << k << "," << loss << ",1,0,64,," << "," << accuracy << ",0.1," << 0.5 * k << "\n";
  Write(folder / "metrics.csv", csv.str());
  if (!status.empty()) Write(folder / "summary.json", "{\n  \"status\": \"" + status + "\",\n  \"command\": \"train\"\n}\n");
}

class SweepResultsTest : public pmlab::testing::FolderTest {
 protected:
  SweepResultsTest() : FolderTest("sweep-results") {}
  void SetUp() override {
    FolderTest::SetUp();
    Write(dir_ / "sweep.toml",
          "command = \"train\"\n[axes]\nbeta = [0.1, 1]\nseed = [1, 2]\n[report]\nloss_levels = [0.5]\naccuracy_levels = [0.9]\n");
    WriteRun(dir_ / "beta-0.1_seed-1", {{1, "1", ""}, {2, "0.6", ""}, {3, "0.4", "0.92"}}, "completed");
    WriteRun(dir_ / "beta-0.1_seed-2", {{1, "0.9", ""}, {2, "0.5", ""}, {3, "0.3", "0.94"}}, "completed");
    WriteRun(dir_ / "beta-1_seed-1", {{1, "1", ""}, {2, "0.45", ""}, {3, "nan", ""}}, "diverged");
  }
};

TEST_F(SweepResultsTest, SummaryCsvHasOneExactRowPerRun) {
  const SweepResults s = LoadSweep(dir_);
  ASSERT_EQ(s.results.size(), 4u);
  EXPECT_EQ(s.results[2].status, RunStatus::kDiverged);
  EXPECT_EQ(s.results[2].diverged_at, 3);
  EXPECT_EQ(s.results[3].status, RunStatus::kNotStarted);
  std::istringstream csv(SummaryCsv(s));
  std::string header, line;
  std::getline(csv, header);
  EXPECT_EQ(header,
            "run,beta,seed,status,iterations,diverged_at,final_train_loss,best_train_loss,final_test_loss,best_test_loss,"
            "final_test_accuracy,best_test_accuracy,wall_seconds,bits_total,iters_to_train_loss_0.5,iters_to_test_accuracy_0.9");
  std::vector<std::string> rows;
  while (std::getline(csv, line)) rows.push_back(line);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], "beta-0.1_seed-1,0.1,1,completed,3,,0.4,0.4,,,0.92,0.92,1.5,,3,3");
  EXPECT_EQ(rows[1], "beta-0.1_seed-2,0.1,2,completed,3,,0.3,0.3,,,0.94,0.94,1.5,,2,3");
  // The diverged run keeps its last finite figures and the level it reached before diverging.
  EXPECT_EQ(rows[2], "beta-1_seed-1,1,1,diverged,3,3,0.45,0.45,,,,,1.5,,2,");
  EXPECT_EQ(rows[3], "beta-1_seed-2,1,2,not started,0,,,,,,,,,,,");
}

TEST_F(SweepResultsTest, ReportShowsMeansOverSeedsAndCountsDivergedRuns) {
  ReportOptions o;
  o.versus = {"beta", "1"};
  const std::string md = SweepReport(LoadSweep(dir_), o);
  // beta = 0.1: final loss 0.35 +- 0.0707 (sample std of 0.4, 0.3); accuracy 93 +- 1.41%;
  // loss <= 0.5 at iterations 3 and 2; accuracy >= 0.9 at 3 in both.
  EXPECT_NE(md.find("| 0.1 | 2 | 0 | 0.35 ± 0.07071 | 93.00 ± 1.41 | 2.5 ± 0.7 | 3.0 ± 0.0 |"), std::string::npos) << md;
  // beta = 1: the diverged run is counted with its iteration and left out of the final figures;
  // it reached loss <= 0.5 at iteration 2 before diverging; the other run never started.
  EXPECT_NE(md.find("| 1 | 1 (+1 unfinished) | 1 (at 3) | - | - | 2.0 | never |"), std::string::npos) << md;
  EXPECT_EQ(md.find("nan"), std::string::npos) << md;
  // Ratio of iterations to loss <= 0.5: 2 at beta = 1 over 2.5 at beta = 0.1.
  EXPECT_NE(md.find("| beta=0.1 | 0.80 | never |"), std::string::npos) << md;
  o.versus = {"beta", "0.5"};
  EXPECT_THROW(SweepReport(LoadSweep(dir_), o), std::invalid_argument);
  o.versus = {"gamma", "1"};
  EXPECT_THROW(SweepReport(LoadSweep(dir_), o), std::invalid_argument);
}

TEST_F(SweepResultsTest, FigureHasABandPerSettingAndMarksWhereRunsDiverged) {
  FigureOptions o;
  o.metric = "train_loss";
  const std::vector<Panel> panels = BuildFigure({{dir_}}, o);
  ASSERT_EQ(panels.size(), 1u);
  ASSERT_EQ(panels[0].curves.size(), 2u);
  const Curve& momentum = panels[0].curves[0];
  EXPECT_EQ(momentum.label, "beta=0.1");
  EXPECT_EQ(momentum.x, (std::vector<double>{1, 2, 3}));
  EXPECT_NEAR(momentum.mean[0], 0.95, 1e-12);
  EXPECT_NEAR(momentum.std[0], std::sqrt(0.005), 1e-9);
  EXPECT_NEAR(momentum.mean[2], 0.35, 1e-12);
  const Curve& gd = panels[0].curves[1];
  EXPECT_EQ(gd.x, (std::vector<double>{1, 2}));  // the non-finite last row is left out
  ASSERT_EQ(gd.ended.size(), 1u);
  EXPECT_EQ(gd.ended[0], (std::pair<double, double>{2, 0.45}));
  // Wall time as x: the mean over the runs at each iteration.
  o.x = "wall_seconds";
  EXPECT_EQ(BuildFigure({{dir_}}, o)[0].curves[0].x, (std::vector<double>{0.5, 1, 1.5}));

  const std::string script = GnuplotScript(panels, o, dir_ / "fig.png");
  const auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = script.find(what); at != std::string::npos; at = script.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("with lines"), 2u);
  EXPECT_EQ(count("with filledcurves"), 1u);  // one run at beta = 1: no band
  EXPECT_EQ(count("run diverged here"), 1u);

  DrawFigure(panels, o, dir_ / "fig.png");
  const std::string png = pmlab::testing::ReadFile(dir_ / "fig.png");
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_TRUE(fs::exists(dir_ / "fig.gp"));
  EXPECT_FALSE(fs::exists(dir_ / "fig.png.partial"));

  o.metric = "bias";
  EXPECT_THROW(BuildFigure({{dir_}}, o), std::invalid_argument);
  o.metric = "train_loss";
  o.panel = "gamma";
  EXPECT_THROW(BuildFigure({{dir_}}, o), std::invalid_argument);
}

}  // namespace
}  // namespace pmlab::sweep
