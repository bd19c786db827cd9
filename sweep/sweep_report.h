#pragma once
// pmlab report: a sweep's runs grouped by setting (every axis but the one averaged over,
// usually seed), with mean +- standard deviation over each group's runs of the final figures
// and of the iterations to each report level. A diverged run is counted and shown as diverged
// with its iteration, never averaged in as a NaN.
#include <optional>
#include <string>
#include <vector>

#include "sweep/sweep_results.h"

namespace pmlab::sweep {

struct ReportOptions {
  std::vector<std::string> over = {"seed"};  ///< axes a group averages over
  /// A baseline axis value, e.g. {"beta", "1"}: adds a table of the ratio of its iterations to
  /// each level over those of the other values of that axis (how many times sooner they are).
  std::optional<std::pair<std::string, std::string>> versus;
};

/// One setting of the sweep and its runs' indices, in the sweep's order.
struct SettingGroup {
  std::vector<std::pair<std::string, std::string>> setting;  ///< axis values, `over` left out
  std::vector<std::size_t> runs;
};

/// The sweep's runs grouped by their values of every axis not in `over`.
std::vector<SettingGroup> GroupRuns(const SweepResults& sweep, const std::vector<std::string>& over);

/// The report as markdown; std::invalid_argument naming --over or --versus if they do not name
/// an axis (or a value of it).
std::string SweepReport(const SweepResults& sweep, const ReportOptions& options);

}  // namespace pmlab::sweep
