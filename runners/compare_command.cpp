#include <cstdio>
#include <filesystem>
#include <string>

#include "runners/commands.h"
#include "runners/run_flags.h"
#include "sweep/run_result.h"

namespace pmlab::runners {
namespace {

std::string Figure(const std::optional<double>& v, double scale, const char* format) {
  if (!v) return "-";
  char text[48];
  std::snprintf(text, sizeof text, format, scale * *v);
  return text;
}

}  // namespace

CLI::App* AddCompareCommand(CLI::App& app, CompareConfig& c) {
  CLI::App* cmd = app.add_subcommand("compare", "Compare runs: rounds to reach a train-loss level, final test figures");
  cmd->add_option("runs", c.runs, "Run folders (each with metrics.csv)")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--loss-level", c.loss_level, "Train-loss level to reach")->capture_default_str()->check(kPositive);
  cmd->footer("A diverged run shows the iteration it diverged at instead of final figures. For sweeps: pmlab report.");
  return cmd;
}

int RunCompareCommand(const CompareConfig& c) {
  sweep::ReportLevels levels;
  levels.train_loss = {c.loss_level};
  for (const auto& run : c.runs) {
    std::error_code error;
    if (!std::filesystem::exists(std::filesystem::path(run) / "config.toml", error))
      throw std::invalid_argument("'" + run + "' is not a run folder (no config.toml); give folders that pmlab train, meta or rl wrote");
  }
  std::printf("%-40s %14s %12s %10s %10s\n", "run", "rounds<=level", "final_loss", "test_loss", "test_acc");
  for (const auto& run : c.runs) {
    const sweep::RunResult r = sweep::ReadRunResult(run, levels);
    const std::string reached = r.to_train_loss[0] ? std::to_string(*r.to_train_loss[0]) : "never";
    if (r.diverged_at) {
      std::printf("%-40s %14s   diverged at iteration %lld\n", run.c_str(), reached.c_str(), static_cast<long long>(*r.diverged_at));
      continue;
    }
    std::printf("%-40s %14s %12s %10s %10s\n", run.c_str(), reached.c_str(), Figure(r.train_loss.final, 1, "%.4g").c_str(),
                Figure(r.test_loss.final, 1, "%.4g").c_str(), Figure(r.test_accuracy.final, 100, "%.2f%%").c_str());
  }
  std::printf("(level: train loss <= %g)\n", c.loss_level);
  return 0;
}

}  // namespace pmlab::runners
