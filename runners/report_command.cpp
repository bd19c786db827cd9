// `pmlab report`: a sweep's settings as a markdown table (sweep/sweep_report.h).
#include <iostream>

#include "core/io/atomic_file.h"
#include "runners/commands.h"
#include "runners/run_flags.h"
#include "sweep/sweep_report.h"

namespace pmlab::runners {

CLI::App* AddReportCommand(CLI::App& app, ReportConfig& c) {
  CLI::App* cmd = app.add_subcommand("report", "A sweep's results as a markdown table: mean +- std over seeds per setting");
  cmd->add_option("target", c.target, "A sweep folder (pmlab sweep --out)")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--over", c.over, "Axes each row averages over, comma-separated")->capture_default_str();
  cmd->add_option("--versus", c.versus,
                  "AXIS=VALUE, e.g. beta=1: add the ratio of its iterations to each level over each other value's (how many "
                  "times sooner they get there)");
  cmd->add_option("--out", c.out, "Write the table here (default SWEEP/report.md)");
  cmd->footer(
      "Per setting: runs finished, how many diverged and at which iteration, mean +- standard deviation\n"
      "of the final train_loss, test_loss and test accuracy over the runs that did not diverge, and of\n"
      "the iterations to each level of the sweep file's [report] (with k/n when not every run got there).");
  return cmd;
}

int RunReportCommand(const ReportConfig& c) {
  const sweep::SweepResults results = sweep::LoadSweep(c.target);
  sweep::ReportOptions o;
  o.over = SplitList(c.over);
  if (!c.versus.empty()) {
    const auto eq = c.versus.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == c.versus.size())
      throw std::invalid_argument("--versus: '" + c.versus + "' is not AXIS=VALUE, e.g. beta=1");
    o.versus = {c.versus.substr(0, eq), c.versus.substr(eq + 1)};
  }
  const std::string report = sweep::SweepReport(results, o);
  const std::filesystem::path out = c.out.empty() ? results.folder / "report.md" : std::filesystem::path(c.out);
  core::WriteFileAtomically(out, report);
  std::cout << report << "\n(written to " << out.string() << ")\n";
  return 0;
}

}  // namespace pmlab::runners
