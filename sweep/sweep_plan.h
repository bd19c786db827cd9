#pragma once
// The runs of a sweep: the grid product of its axes, each run named from its axis values and
// given its command line. The order is the file's: the first axis varies slowest, the last
// fastest, so a sweep with seed as its last axis finishes a setting's seeds together.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "sweep/sweep_file.h"

namespace pmlab::sweep {

struct PlannedRun {
  /// Its folder under the sweep's: "beta-0.1_compress-topk-0.02_seed-0" (axis-value pairs;
  /// characters other than letters, digits, '.', '+' and '-' become '-'), "run" without axes.
  std::string name;
  /// The value of each axis, in axis order.
  std::vector<std::pair<std::string, std::string>> setting;
  /// The command and its flags: {"train", "--workers=100", ..., "--beta=0.1", ...}, base
  /// options first, then the axes.
  std::vector<std::string> args;
};

/// The most runs one sweep may hold, and the longest name of a run's folder.
inline constexpr std::size_t kMaxSweepRuns = 100000;
inline constexpr std::size_t kMaxRunName = 200;

/// Every run of `file`; SweepFileError for a grid of more than kMaxSweepRuns runs or a run name
/// longer than kMaxRunName, and SweepFileError if two runs would get the same folder name (values that
/// differ only in characters a folder name cannot keep), naming the axis.
std::vector<PlannedRun> Expand(const SweepFile& file);

/// The setting of a run without the axis `except` (usually "seed"): what a report or a plot
/// groups runs by. "beta=0.1, compress=topk:0.02"; "all runs" when nothing is left.
std::string SettingLabel(const std::vector<std::pair<std::string, std::string>>& setting, const std::vector<std::string>& except);

}  // namespace pmlab::sweep
