#pragma once
// pmlab plot: a metric of runs against iteration, wall time or cumulative bits, one line per
// setting with a shaded band of +- one standard deviation over its runs (seeds), optionally one
// panel per value of an axis, like the paper's figures. Drawn by gnuplot from a script written
// beside the PNG (FIGURE.gp, data included), which a researcher can edit and run again.
#include <filesystem>
#include <string>
#include <vector>

namespace pmlab::sweep {

struct FigureOptions {
  std::string metric = "train_loss";  ///< a column of metrics.csv
  std::string x = "iteration";        ///< iteration, wall_seconds or bits_total
  bool log_x = false, log_y = false;
  std::string panel;                  ///< an axis: one panel per value; empty = one panel
  std::vector<std::string> over = {"seed"};  ///< axes a line averages over
  std::string title;                  ///< above the figure; empty = none
};

/// What to draw: sweep folders (each setting one line) and run folders (each run one line).
struct FigureInput {
  std::vector<std::filesystem::path> targets;
};

/// One line: its label, and per iteration the x value, mean and standard deviation of the
/// metric over the runs that have a finite value there (and how many do).
struct Curve {
  std::string label;
  std::vector<double> x, mean, std;
  std::vector<int> runs;
  std::vector<double> lowest;  ///< the lowest run's value (a log scale's band stops there)
  /// Where each diverged run ended: x and its last finite value.
  std::vector<std::pair<double, double>> ended;
};

struct Panel {
  std::string title;  ///< "compress=topk:0.02", or empty
  std::vector<Curve> curves;
};

/// Reads the runs and builds the panels; std::invalid_argument naming the flag for a metric,
/// x or panel axis the runs do not have, std::runtime_error for unreadable files.
std::vector<Panel> BuildFigure(const FigureInput& input, const FigureOptions& options);

/// The gnuplot script that draws `panels` into `png`.
std::string GnuplotScript(const std::vector<Panel>& panels, const FigureOptions& options, const std::filesystem::path& png);

/// Writes PNG_STEM.gp and runs gnuplot on it, which writes `png` (atomically: a temporary file
/// renamed). std::runtime_error if gnuplot is missing or fails.
void DrawFigure(const std::vector<Panel>& panels, const FigureOptions& options, const std::filesystem::path& png);

}  // namespace pmlab::sweep
