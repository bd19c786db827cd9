// `pmlab plot`: curves of a metric with bands over seeds, drawn by gnuplot (sweep/figure.h).
#include <iostream>

#include "runners/commands.h"
#include "runners/run_flags.h"
#include "sweep/figure.h"

namespace pmlab::runners {

CLI::App* AddPlotCommand(CLI::App& app, PlotConfig& c) {
  CLI::App* cmd = app.add_subcommand("plot", "Plot a metric of sweeps or runs: mean with a +-std band over seeds, one line per setting");
  cmd->add_option("targets", c.targets, "Sweep folders (one line per setting) and run folders (one line each)")->required();
  cmd->add_option("--metric", c.metric, "A column of metrics.csv: train_loss, test_loss, test_accuracy, bias, return_mean, ...")
      ->capture_default_str();
  cmd->add_option("--x", c.x, "iteration, wall (seconds) or bits (cumulative bits sent)")
      ->check(CLI::IsMember({"iteration", "wall", "bits"}))
      ->capture_default_str();
  cmd->add_flag("--log-x", c.log_x, "Logarithmic x axis");
  cmd->add_flag("--log-y", c.log_y, "Logarithmic y axis");
  cmd->add_option("--panel", c.panel, "An axis of the sweep: one panel per value, e.g. compress");
  cmd->add_option("--over", c.over, "Axes each line averages over, comma-separated")->capture_default_str();
  cmd->add_option("--title", c.title, "A title above the figure");
  cmd->add_option("--out", c.out, "The PNG to write; FIG.gp beside it is the gnuplot script (data included)")->required();
  cmd->footer(
      "A diverged run is marked with a cross where it ended; the band at each iteration is over the runs\n"
      "still finite there. Needs gnuplot (Debian's gnuplot-nox; make deps installs it).");
  return cmd;
}

int RunPlotCommand(const PlotConfig& c) {
  sweep::FigureOptions o;
  o.metric = c.metric;
  o.x = c.x == "wall" ? "wall_seconds" : c.x == "bits" ? "bits_total" : "iteration";
  o.log_x = c.log_x;
  o.log_y = c.log_y;
  o.panel = c.panel;
  o.over = SplitList(c.over);
  o.title = c.title;
  if (std::filesystem::path(c.out).extension() != ".png") throw std::invalid_argument("--out: '" + c.out + "' must end in .png");
  sweep::FigureInput input;
  for (const std::string& t : c.targets) input.targets.emplace_back(t);
  const std::vector<sweep::Panel> panels = sweep::BuildFigure(input, o);
  sweep::DrawFigure(panels, o, c.out);
  std::size_t curves = 0;
  for (const sweep::Panel& p : panels) curves += p.curves.size();
  std::cout << "wrote " << c.out << " (" << panels.size() << " panel" << (panels.size() > 1 ? "s" : "") << ", " << curves << " lines; script "
            << std::filesystem::path(c.out).replace_extension(".gp").string() << ")\n";
  return 0;
}

}  // namespace pmlab::runners
