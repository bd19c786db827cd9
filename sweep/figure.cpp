#include "sweep/figure.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "core/io/atomic_file.h"
#include "core/run/metrics_table.h"
#include "sweep/child_process.h"
#include "sweep/sweep_report.h"

namespace pmlab::sweep {
namespace {

namespace fs = std::filesystem;

// Tableau's ten colours: distinguishable, and the same setting keeps its colour in every panel.
constexpr const char* kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct Accumulator {
  double x = 0, sum = 0, squares = 0, low = INFINITY;
  int n = 0;
};

// The curve of `metric` over the runs in `folders`.
Curve CurveOf(const std::string& label, const std::vector<fs::path>& folders, const FigureOptions& o) {
  std::map<double, Accumulator> at;  // by iteration
  Curve c;
  c.label = label;
  for (const fs::path& folder : folders) {
    const RunStatus status = StatusOf(folder);
    if (status == RunStatus::kNotStarted) continue;
    const core::MetricsTable table = core::MetricsTable::Load(folder / "metrics.csv");
    const auto metric = table.Find(o.metric);
    if (!metric) {
      std::string columns;
      for (const std::string& name : table.columns) columns += (columns.empty() ? "" : ", ") + name;
      throw std::invalid_argument("--metric: '" + o.metric + "' is not a column of " + (folder / "metrics.csv").string() +
                                  " (its columns: " + columns + ")");
    }
    const auto x = table.Find(o.x);
    if (!x) throw std::invalid_argument("--x: " + (folder / "metrics.csv").string() + " has no column '" + o.x + "'");
    const std::size_t iteration = table.Column("iteration");
    std::optional<std::pair<double, double>> last;
    for (const std::vector<double>& row : table.rows) {
      const double v = row[*metric], xv = row[*x];
      if (!std::isfinite(v) || !std::isfinite(xv)) continue;
      Accumulator& a = at[row[iteration]];
      a.x += xv;
      a.sum += v;
      a.squares += v * v;
      a.low = std::min(a.low, v);
      ++a.n;
      last = {xv, v};
    }
    if (status == RunStatus::kDiverged && last) c.ended.push_back(*last);
  }
  for (const auto& [iteration, a] : at) {
    const double mean = a.sum / a.n;
    // Sample standard deviation; the sum of squares loses nothing that matters at plot scale.
    const double var = a.n > 1 ? std::max(0.0, (a.squares - a.n * mean * mean) / (a.n - 1)) : 0.0;
    c.x.push_back(a.x / a.n);
    c.mean.push_back(mean);
    c.std.push_back(std::sqrt(var));
    c.runs.push_back(a.n);
    c.lowest.push_back(a.low);
  }
  return c;
}

// Text as a gnuplot string that is only ever data: single quotes, inside which gnuplot expands
// neither backquotes (a shell command) nor escapes, with a quote written twice; a line break or
// other control character, which would end the script's line, becomes a space. Run names,
// axis values, titles and file names all pass through here.
std::string Quoted(const std::string& text) {
  std::string out = "'";
  for (const char ch : text) {
    if (ch == '\'') out += "''";
    else if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) out += ' ';
    else out += ch;
  }
  return out + "'";
}

std::string AxisLabel(const std::string& column) {
  if (column == "iteration") return "iteration";
  if (column == "wall_seconds") return "wall time (s)";
  if (column == "bits_total") return "bits sent (cumulative)";
  std::string label = column;
  std::replace(label.begin(), label.end(), '_', ' ');
  return label;
}

fs::path FindGnuplot() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "gnuplot";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error("gnuplot is not installed; install it with: apt-get install gnuplot-nox (make deps does)");
}

}  // namespace

std::vector<Panel> BuildFigure(const FigureInput& input, const FigureOptions& o) {
  if (o.x != "iteration" && o.x != "wall_seconds" && o.x != "bits_total")
    throw std::invalid_argument("--x: '" + o.x + "' is not iteration, wall or bits");
  std::vector<Panel> panels;
  const auto panel_named = [&](const std::string& title) -> Panel& {
    auto p = std::find_if(panels.begin(), panels.end(), [&](const Panel& q) { return q.title == title; });
    return p != panels.end() ? *p : panels.emplace_back(Panel{title, {}});
  };
  const bool several = input.targets.size() > 1;
  for (const fs::path& target : input.targets) {
    std::error_code error;
    if (fs::exists(SweepFileIn(target), error)) {
      const SweepResults sweep = LoadSweep(target);
      std::vector<std::string> over = o.over;
      const auto is_axis = [&](const std::string& name) {
        return std::any_of(sweep.file.axes.begin(), sweep.file.axes.end(), [&](const SweepOption& a) { return a.name == name; });
      };
      if (!o.panel.empty() && !is_axis(o.panel)) throw std::invalid_argument("--panel: '" + o.panel + "' is not an axis of the sweep " + target.string());
      // As pmlab report: seed may be left out of a sweep's axes, anything else must be one.
      for (const std::string& axis : over)
        if (!is_axis(axis) && axis != "seed") throw std::invalid_argument("--over: '" + axis + "' is not an axis of the sweep " + target.string());
      std::vector<std::string> hidden = over;
      if (!o.panel.empty()) hidden.push_back(o.panel);
      for (const SettingGroup& g : GroupRuns(sweep, over)) {
        std::vector<fs::path> folders;
        for (const std::size_t i : g.runs) folders.push_back(target / sweep.runs[i].name);
        std::string title;
        for (const auto& [axis, value] : g.setting)
          if (axis == o.panel) title = axis + "=" + value;
        std::string label = SettingLabel(g.setting, hidden);
        if (several) label = target.filename().string() + ": " + label;
        panel_named(title).curves.push_back(CurveOf(label, folders, o));
      }
    } else if (fs::exists(target / "metrics.csv", error)) {
      if (!o.panel.empty()) throw std::invalid_argument("--panel: '" + target.string() + "' is a run folder; panels split sweeps");
      panel_named("").curves.push_back(CurveOf(target.lexically_normal().filename().string(), {target}, o));
    } else {
      throw std::invalid_argument("'" + target.string() + "' is neither a sweep folder nor a run folder (no sweep.toml, no metrics.csv)");
    }
  }
  const bool drawn = std::any_of(panels.begin(), panels.end(), [](const Panel& p) {
    return std::any_of(p.curves.begin(), p.curves.end(), [](const Curve& c) { return !c.x.empty(); });
  });
  if (!drawn)
    throw std::invalid_argument("--metric: '" + o.metric + "' has no finite value against " + o.x +
                                " in any of these runs (an empty column: not measured in these runs, or not yet); choose another --metric");
  return panels;
}

std::string GnuplotScript(const std::vector<Panel>& panels, const FigureOptions& o, const fs::path& png) {
  std::ostringstream gp;
  gp << "# Written by pmlab plot; run again with: gnuplot " << Quoted(png.stem().string() + ".gp") << "\n";
  const auto number = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.10g", v);
    return std::string(text);
  };
  // The data first, as datablocks: one per curve, and one per panel of diverged runs' ends.
  for (std::size_t p = 0; p < panels.size(); ++p) {
    for (std::size_t k = 0; k < panels[p].curves.size(); ++k) {
      const Curve& c = panels[p].curves[k];
      gp << "$P" << p << "C" << k << " << EOD\n# x mean low high runs\n";
      for (std::size_t i = 0; i < c.x.size(); ++i) {
        double low = c.mean[i] - c.std[i];
        // On a log scale a band below the lowest run is an artefact of skew (and cannot cross
        // zero): it stops at the lowest run.
        if (o.log_y) low = std::max(low, c.lowest[i]);
        gp << number(c.x[i]) << " " << number(c.mean[i]) << " " << number(low) << " " << number(c.mean[i] + c.std[i]) << " "
           << c.runs[i] << "\n";
      }
      gp << "EOD\n";
    }
    gp << "$P" << p << "E << EOD\n";
    for (const Curve& c : panels[p].curves)
      for (const auto& [x, y] : c.ended) gp << number(x) << " " << number(y) << "\n";
    gp << "EOD\n";
  }
  // A legend of a few lines sits inside; a longer one goes under the plot, off the curves.
  std::size_t most = 0;
  for (const Panel& p : panels) most = std::max(most, p.curves.size());
  const int columns = static_cast<int>(std::min<std::size_t>(panels.size(), 3));
  const int rows = static_cast<int>((panels.size() + 2) / 3);
  const int width = panels.size() == 1 ? 1000 : 620 * columns;
  const int height = (panels.size() == 1 ? 650 : 520 * rows) + (o.title.empty() ? 0 : 40) + (most <= 4 ? 0 : 90 * rows);
  gp << "set terminal pngcairo size " << width << "," << height << " noenhanced font 'DejaVu Sans,12'\n";
  // pmlab plot passes out (a temporary name it renames); run by hand, the script writes the PNG.
  gp << "if (!exists('out')) out = " << Quoted(png.string()) << "\nset output out\n";
  gp << "set grid lc rgb '#dddddd'\n" << (most <= 4 ? "set key top right opaque box lc rgb '#bbbbbb'\n" : "set key outside below maxrows 4\n");
  gp << "set xlabel " << Quoted(AxisLabel(o.x)) << "\nset ylabel " << Quoted(AxisLabel(o.metric)) << "\n";
  if (o.log_x) gp << "set logscale x\nset format x '%g'\n";
  if (o.log_y) gp << "set logscale y\nset format y '%g'\n";
  if (panels.size() > 1 || !o.title.empty())
    gp << "set multiplot layout " << rows << "," << columns << (o.title.empty() ? "" : " title " + Quoted(o.title)) << "\n";
  for (std::size_t p = 0; p < panels.size(); ++p) {
    gp << "set title " << Quoted(panels[p].title) << "\nplot ";
    bool ended = false;
    for (std::size_t k = 0; k < panels[p].curves.size(); ++k) {
      const Curve& c = panels[p].curves[k];
      const std::string colour = Quoted(kColours[k % std::size(kColours)]);
      const bool band = std::any_of(c.runs.begin(), c.runs.end(), [](int n) { return n > 1; });
      if (band) gp << "$P" << p << "C" << k << " using 1:3:4 with filledcurves fs transparent solid 0.2 noborder lc rgb " << colour << " notitle, \\\n     ";
      gp << "$P" << p << "C" << k << " using 1:2 with lines lw 2 lc rgb " << colour << " title " << Quoted(c.label) << ", \\\n     ";
      ended = ended || !c.ended.empty();
    }
    if (ended) gp << "$P" << p << "E using 1:2 with points pt 2 ps 2 lw 2 lc rgb 'black' title 'run diverged here'";
    else gp << "1/0 notitle";  // closes the list of plots
    gp << "\n";
  }
  if (panels.size() > 1 || !o.title.empty()) gp << "unset multiplot\n";
  gp << "set output\n";
  return gp.str();
}

void DrawFigure(const std::vector<Panel>& panels, const FigureOptions& options, const fs::path& png) {
  if (panels.empty()) throw std::invalid_argument("nothing to plot");
  const fs::path script = fs::path(png).replace_extension(".gp");
  const fs::path gnuplot = FindGnuplot();
  std::error_code error;
  if (png.has_parent_path()) fs::create_directories(png.parent_path(), error);
  core::WriteFileAtomically(script, GnuplotScript(panels, options, png));
  const fs::path partial = png.string() + ".partial";
  ChildProcess child(gnuplot, {"-e", "out = " + Quoted(partial.string()), script.string()});
  std::vector<std::string> lines;
  while (child.Read(lines)) {
  }
  const int code = child.Wait();
  if (code != 0) {
    fs::remove(partial, error);
    std::string output;
    for (const std::string& line : lines) output += "\n  " + line;
    throw std::runtime_error("gnuplot failed on " + script.string() + " (exit " + std::to_string(code) + "):" + output);
  }
  fs::rename(partial, png);
}

}  // namespace pmlab::sweep
