#include "runners/commands.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/run/metrics_table.h"

namespace pmlab::runners {

CLI::App* AddCompareCommand(CLI::App& app, CompareConfig& c) {
  CLI::App* cmd = app.add_subcommand("compare", "Compare runs: rounds to reach a train-loss level, final test figures");
  cmd->add_option("runs", c.runs, "Run folders (each with metrics.csv)")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--loss-level", c.loss_level, "Train-loss level to reach")->capture_default_str()->check(CLI::PositiveNumber);
  return cmd;
}

int RunCompareCommand(const CompareConfig& c) {
  std::printf("%-40s %14s %12s %10s %10s\n", "run", "rounds<=level", "final_loss", "test_loss", "test_acc");
  for (const auto& run : c.runs) {
    const auto table = core::MetricsTable::Load(std::filesystem::path(run) / "metrics.csv");
    const std::size_t it = table.Column("iteration"), loss = table.Column("train_loss");
    const std::size_t test_loss = table.Column("test_loss"), test_acc = table.Column("test_accuracy");
    std::string reached = "never";
    double final_loss = NAN, final_test_loss = NAN, final_acc = NAN;
    for (const auto& row : table.rows) {
      if (reached == "never" && row[loss] <= c.loss_level) reached = std::to_string(static_cast<long long>(row[it]));
      final_loss = row[loss];
      if (!std::isnan(row[test_loss])) final_test_loss = row[test_loss];
      if (!std::isnan(row[test_acc])) final_acc = row[test_acc];
    }
    std::printf("%-40s %14s %12.4f %10.4f %9.2f%%\n", run.c_str(), reached.c_str(), final_loss, final_test_loss, 100 * final_acc);
  }
  std::printf("(level: train loss <= %g)\n", c.loss_level);
  return 0;
}

}  // namespace pmlab::runners
