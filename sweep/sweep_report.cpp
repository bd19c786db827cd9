#include "sweep/sweep_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <stdexcept>

#include "core/opt/exact_number.h"

namespace pmlab::sweep {
namespace {

struct Spread {
  double mean = 0, std = 0;
  std::size_t n = 0;
};

Spread SpreadOf(const std::vector<double>& v) {
  Spread s;
  s.n = v.size();
  if (v.empty()) return s;
  for (const double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  if (v.size() > 1) {
    double sum = 0;
    for (const double x : v) sum += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(sum / static_cast<double>(v.size() - 1));  // sample standard deviation
  }
  return s;
}

std::string Format(const char* format, double v) {
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

// "0.4123 +- 0.0031"; the value alone for one run.
std::string MeanStd(const Spread& s, double scale, const char* format) {
  if (s.n == 0) return "-";
  std::string text = Format(format, scale * s.mean);
  if (s.n > 1) text += " ± " + Format(format, scale * s.std);
  return text;
}

bool Finished(const RunResult& r) { return r.status == RunStatus::kCompleted || r.status == RunStatus::kDiverged; }

// A report column: its header and its cell for a group.
struct Column {
  std::string header;
  std::function<std::string(const SettingGroup&)> cell;
};

}  // namespace

std::vector<SettingGroup> GroupRuns(const SweepResults& s, const std::vector<std::string>& over) {
  std::vector<SettingGroup> groups;
  for (std::size_t i = 0; i < s.runs.size(); ++i) {
    std::vector<std::pair<std::string, std::string>> setting;
    for (const auto& axis_value : s.runs[i].setting)
      if (std::find(over.begin(), over.end(), axis_value.first) == over.end()) setting.push_back(axis_value);
    auto group = std::find_if(groups.begin(), groups.end(), [&](const SettingGroup& g) { return g.setting == setting; });
    if (group == groups.end()) group = groups.insert(groups.end(), SettingGroup{setting, {}});
    group->runs.push_back(i);
  }
  return groups;
}

std::string SweepReport(const SweepResults& s, const ReportOptions& o) {
  const auto is_axis = [&](const std::string& name) {
    return std::any_of(s.file.axes.begin(), s.file.axes.end(), [&](const SweepOption& a) { return a.name == name; });
  };
  for (const std::string& axis : o.over)
    if (!is_axis(axis) && axis != "seed") throw std::invalid_argument("--over: '" + axis + "' is not an axis of this sweep");
  const std::vector<SettingGroup> groups = GroupRuns(s, o.over);
  const ReportLevels& levels = s.file.levels;

  // Values of one figure over a group's finished runs; diverged runs only when `diverged_too`.
  const auto values = [&](const SettingGroup& g, const std::function<std::optional<double>(const RunResult&)>& figure, bool diverged_too) {
    std::vector<double> v;
    for (const std::size_t i : g.runs) {
      const RunResult& r = s.results[i];
      if (!Finished(r) || (r.status == RunStatus::kDiverged && !diverged_too)) continue;
      if (const auto x = figure(r)) v.push_back(*x);
    }
    return v;
  };
  // The iteration each of a group's runs first reached level k of `first`, over the runs that
  // did (diverged ones included: they reached it before diverging).
  const auto iterations_to = [&](const SettingGroup& g, std::vector<std::optional<std::int64_t>> RunResult::*first, std::size_t k) {
    return values(g, [&](const RunResult& r) {
      const auto& it = (r.*first)[k];
      return it ? std::optional<double>(static_cast<double>(*it)) : std::nullopt;
    }, true);
  };
  const auto finished = [&](const SettingGroup& g) {
    return static_cast<std::size_t>(std::count_if(g.runs.begin(), g.runs.end(), [&](std::size_t i) { return Finished(s.results[i]); }));
  };
  const auto any = [&](const std::function<std::optional<double>(const RunResult&)>& figure) {
    return std::any_of(s.results.begin(), s.results.end(), [&](const RunResult& r) { return figure(r).has_value(); });
  };

  std::vector<Column> columns;
  if (!groups.empty())
    for (const auto& axis_value : groups.front().setting)
      columns.push_back({axis_value.first, [axis = axis_value.first](const SettingGroup& g) {
                           for (const auto& [a, v] : g.setting)
                             if (a == axis) return v;
                           return std::string();
                         }});
  columns.push_back({"runs", [&](const SettingGroup& g) {
                       std::string text = std::to_string(finished(g));
                       if (const std::size_t rest = g.runs.size() - finished(g)) text += " (+" + std::to_string(rest) + " unfinished)";
                       return text;
                     }});
  columns.push_back({"diverged", [&](const SettingGroup& g) {
                       std::vector<std::string> at;
                       for (const std::size_t i : g.runs)
                         if (s.results[i].diverged_at) at.push_back(std::to_string(*s.results[i].diverged_at));
                       if (at.empty()) return std::string("0");
                       std::string text = std::to_string(at.size()) + " (at ";
                       for (std::size_t k = 0; k < at.size(); ++k) text += (k ? ", " : "") + at[k];
                       return text + ")";
                     }});
  // Final figures: over the runs that did not diverge (a diverged run has no final figure).
  struct Figure {
    std::string header;
    std::function<std::optional<double>(const RunResult&)> get;
    double scale;
    const char* format;
  };
  const std::vector<Figure> figures = {
      {"final train_loss", [](const RunResult& r) { return r.train_loss.final; }, 1, "%.4g"},
      {"final test_loss", [](const RunResult& r) { return r.test_loss.final; }, 1, "%.4g"},
      {"final test_accuracy (%)", [](const RunResult& r) { return r.test_accuracy.final; }, 100, "%.2f"},
  };
  for (const Figure& f : figures) {
    if (!any(f.get)) continue;
    columns.push_back({f.header, [&, f](const SettingGroup& g) {
                         const std::vector<double> v = values(g, f.get, false);
                         std::string text = MeanStd(SpreadOf(v), f.scale, f.format);
                         if (!v.empty() && v.size() < finished(g)) text += " (" + std::to_string(v.size()) + " runs)";
                         return text;
                       }});
  }
  // Iterations to each level: over the runs that reached it, diverged ones included (they
  // reached it before diverging), with how many did.
  const auto level_columns = [&](const std::vector<double>& at, const std::string& metric, const char* relation,
                                 std::vector<std::optional<std::int64_t>> RunResult::*first) {
    for (std::size_t k = 0; k < at.size(); ++k)
      columns.push_back({"iters to " + metric + " " + relation + " " + core::FormatNumber(at[k]), [&, k, first](const SettingGroup& g) {
                           const std::vector<double> v = iterations_to(g, first, k);
                           if (v.empty()) return std::string(finished(g) ? "never" : "-");
                           std::string text = MeanStd(SpreadOf(v), 1, "%.1f");
                           if (v.size() < finished(g)) text += " (" + std::to_string(v.size()) + "/" + std::to_string(finished(g)) + ")";
                           return text;
                         }});
  };
  level_columns(levels.train_loss, "train_loss", "≤", &RunResult::to_train_loss);
  level_columns(levels.test_loss, "test_loss", "≤", &RunResult::to_test_loss);
  level_columns(levels.test_accuracy, "test_accuracy", "≥", &RunResult::to_accuracy);

  std::ostringstream md;
  md << "# Sweep " << s.folder.string() << "\n\n`pmlab " << s.file.command << "`, " << s.runs.size() << " runs in " << groups.size()
     << " settings";
  if (!o.over.empty() && groups.size() < s.runs.size()) {
    md << "; mean ± standard deviation over";
    for (const std::string& axis : o.over) md << " " << axis;
  }
  md << ". Final figures leave diverged runs out; iterations to a level count the runs that reached it (k/n when not all did).\n\n";
  md << "|";
  for (const Column& c : columns) md << " " << c.header << " |";
  md << "\n|";
  for (std::size_t i = 0; i < columns.size(); ++i) md << "---|";
  md << "\n";
  for (const SettingGroup& g : groups) {
    md << "|";
    for (const Column& c : columns) md << " " << c.cell(g) << " |";
    md << "\n";
  }

  const bool any_level = !levels.train_loss.empty() || !levels.test_loss.empty() || !levels.test_accuracy.empty();
  if (o.versus) {
    // Named copies, not a structured binding: lambdas below capture them (clang < 16 cannot).
    const std::string axis = o.versus->first, baseline = o.versus->second;
    if (!is_axis(axis)) throw std::invalid_argument("--versus: '" + axis + "' is not an axis of this sweep");
    const bool has_value = std::any_of(s.runs.begin(), s.runs.end(), [&](const PlannedRun& r) {
      return std::find(r.setting.begin(), r.setting.end(), std::pair{axis, baseline}) != r.setting.end();
    });
    if (!has_value) throw std::invalid_argument("--versus: the axis '" + axis + "' has no value " + baseline);
    if (!any_level) return md.str();  // no levels, no ratios
    // Iterations of the baseline over those of each other value, per level: how many times
    // sooner the other value reaches it. Means over the runs that reached the level.
    const auto mean_iters = [&](const SettingGroup& g, std::vector<std::optional<std::int64_t>> RunResult::*first, std::size_t k) {
      return SpreadOf(iterations_to(g, first, k));
    };
    md << "\nIterations to each level at " << axis << " = " << baseline << " divided by those of the setting (above 1: the setting "
       << "gets there sooner; \"never\": the baseline's runs never reached it, ✗: the setting's did not).\n\n| setting |";
    std::vector<std::tuple<std::string, std::vector<std::optional<std::int64_t>> RunResult::*, std::size_t>> level_list;
    for (std::size_t k = 0; k < levels.train_loss.size(); ++k)
      level_list.emplace_back("train_loss ≤ " + core::FormatNumber(levels.train_loss[k]), &RunResult::to_train_loss, k);
    for (std::size_t k = 0; k < levels.test_loss.size(); ++k)
      level_list.emplace_back("test_loss ≤ " + core::FormatNumber(levels.test_loss[k]), &RunResult::to_test_loss, k);
    for (std::size_t k = 0; k < levels.test_accuracy.size(); ++k)
      level_list.emplace_back("test_accuracy ≥ " + core::FormatNumber(levels.test_accuracy[k]), &RunResult::to_accuracy, k);
    for (const auto& level : level_list) md << " " << std::get<0>(level) << " |";
    md << "\n|---|";
    for (std::size_t i = 0; i < level_list.size(); ++i) md << "---|";
    md << "\n";
    for (const SettingGroup& g : groups) {
      const auto mine = std::find_if(g.setting.begin(), g.setting.end(), [&](const auto& p) { return p.first == axis; });
      if (mine == g.setting.end() || mine->second == baseline) continue;
      auto base_setting = g.setting;
      base_setting[static_cast<std::size_t>(mine - g.setting.begin())].second = baseline;
      const auto base = std::find_if(groups.begin(), groups.end(), [&](const SettingGroup& b) { return b.setting == base_setting; });
      if (base == groups.end()) continue;
      md << "| " << SettingLabel(g.setting, {}) << " |";
      for (const auto& [name, first, k] : level_list) {
        const Spread b = mean_iters(*base, first, k), m = mean_iters(g, first, k);
        if (m.n == 0) md << " ✗ |";
        else if (b.n == 0) md << " never |";
        else md << " " << Format("%.2f", b.mean / m.mean) << " |";
      }
      md << "\n";
    }
  }
  return md.str();
}

}  // namespace pmlab::sweep
