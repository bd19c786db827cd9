#pragma once
// `pmlab compare RUN_DIR...`: one line per run with the rounds it needed to reach a train-loss
// level and its final test figures, read from each run's metrics.csv.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace pmlab::runners {

struct CompareConfig {
  std::vector<std::string> runs;  ///< run folders
  double loss_level = 0.5;        ///< train-loss level to reach
};

CLI::App* AddCompareCommand(CLI::App& app, CompareConfig& config);
int RunCompareCommand(const CompareConfig& config);

}  // namespace pmlab::runners
