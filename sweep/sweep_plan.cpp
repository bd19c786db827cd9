#include "sweep/sweep_plan.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace pmlab::sweep {
namespace {

std::string FolderPart(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-') c = '-';
  return out;
}

}  // namespace

std::vector<PlannedRun> Expand(const SweepFile& file) {
  // Two values of one axis that become the same folder part would make two runs share a folder.
  for (const SweepOption& axis : file.axes) {
    std::map<std::string, std::string> parts;
    for (const std::string& v : axis.values) {
      const auto [at, fresh] = parts.emplace(FolderPart(v), v);
      if (!fresh)
        throw SweepFileError(file.At(axis.line, "axis '" + axis.name + "': the values " + at->second + " and " + v +
                                                    " would share the run folder name '" + at->first + "'"));
    }
  }
  // The grid's size is checked before anything is allocated for it.
  std::size_t total = 1;
  std::string shape;
  for (const SweepOption& axis : file.axes) {
    shape += (shape.empty() ? "" : " x ") + std::to_string(axis.values.size());
    total = axis.values.size() > kMaxSweepRuns / total ? kMaxSweepRuns + 1 : total * axis.values.size();
  }
  if (total > kMaxSweepRuns)
    throw SweepFileError(file.At(file.axes.back().line, "the axes make a grid of " + shape + " runs, more than the " +
                                                            std::to_string(kMaxSweepRuns) + " a sweep may hold; split it into several sweeps"));
  std::vector<PlannedRun> runs;
  runs.reserve(total);
  std::vector<std::size_t> index(file.axes.size(), 0);
  for (std::size_t r = 0; r < total; ++r) {
    PlannedRun run;
    run.args.push_back(file.command);
    for (const SweepOption& o : file.base) run.args.push_back("--" + o.name + "=" + o.values[0]);
    for (std::size_t a = 0; a < file.axes.size(); ++a) {
      const SweepOption& axis = file.axes[a];
      const std::string& value = axis.values[index[a]];
      run.setting.emplace_back(axis.name, value);
      run.args.push_back("--" + axis.name + "=" + value);
      run.name += (run.name.empty() ? "" : "_") + FolderPart(axis.name) + "-" + FolderPart(value);
    }
    if (run.name.empty()) run.name = "run";
    if (run.name.size() > kMaxRunName)
      throw SweepFileError(file.At(file.axes.back().line, "the run folder name '" + run.name.substr(0, 60) + "...' is " +
                                                              std::to_string(run.name.size()) + " characters, more than a folder name may be (" +
                                                              std::to_string(kMaxRunName) + "); shorten the axis values"));
    runs.push_back(std::move(run));
    // The next grid point: the last axis fastest.
    for (std::size_t a = file.axes.size(); a-- > 0;) {
      if (++index[a] < file.axes[a].values.size()) break;
      index[a] = 0;
    }
  }
  return runs;
}

std::string SettingLabel(const std::vector<std::pair<std::string, std::string>>& setting, const std::vector<std::string>& except) {
  std::string label;
  for (const auto& [axis, value] : setting) {
    if (std::find(except.begin(), except.end(), axis) != except.end()) continue;
    label += (label.empty() ? "" : ", ") + axis + "=" + value;
  }
  return label.empty() ? "all runs" : label;
}

}  // namespace pmlab::sweep
