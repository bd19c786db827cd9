// The pmlab command line: parses, builds, runs; every algorithm lives in the libraries.
#include <CLI/CLI.hpp>
#include <iostream>
#include <stdexcept>

#include "core/run/stop_request.h"
#include "runners/commands.h"
#include "runners/run_flags.h"

namespace pmlab::runners {

int RunPmlab(int argc, char** argv) {
  CLI::App app("pmlab: parallel momentum methods under biased gradient estimates", "pmlab");
  app.require_subcommand(1);
  app.set_version_flag("--version", "pmlab 0.1.0");
  // Config files are read by the top-level app (CLI11 does not read them for subcommands);
  // fallthrough lets `pmlab train --config FILE` reach it. Options sit in a section named after
  // the subcommand, e.g. [train].
  app.set_config("--config", "", "Read options from a TOML file (a [SUBCOMMAND] section per subcommand)");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.fallthrough();
  UsePmlabOptionDefaults(app);

  std::vector<std::pair<CLI::App*, RunKind*>> kinds;
  for (RunKind* kind : RunKinds()) kinds.emplace_back(kind->AddCommand(app), kind);
  ResumeRequest resume_request;
  CLI::App* resume = AddResumeCommand(app, resume_request);
  EvalCommand eval_command;
  CLI::App* eval = AddEvalCommand(app, eval_command);
  InspectConfig inspect_config;
  CLI::App* inspect = AddInspectCommand(app, inspect_config);
  EnvsConfig envs_config;
  CLI::App* envs = AddEnvsCommand(app, envs_config);
  CompareConfig compare_config;
  CLI::App* compare = AddCompareCommand(app, compare_config);
  SweepConfig sweep_config;
  CLI::App* sweep = AddSweepCommand(app, sweep_config);
  ReportConfig report_config;
  CLI::App* report = AddReportCommand(app, report_config);
  PlotConfig plot_config;
  CLI::App* plot = AddPlotCommand(app, plot_config);

  const std::string command = argc > 1 ? std::string("pmlab ") + argv[1] : std::string("pmlab");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    const std::string unknown_key = "INI was not able to parse ";
    if (message.starts_with(unknown_key))
      message = "--config: unknown option '" + message.substr(unknown_key.size()) + "' in the config file";
    std::cerr << command << ": error: " << message << "\n  (run '" << command << " --help' for the options)\n";
    return 2;
  }

  core::InstallStopHandlers();
  try {
    for (const auto& [cmd, kind] : kinds)
      if (cmd->parsed()) return kind->Start();
    if (resume->parsed()) return RunResumeCommand(resume_request);
    if (eval->parsed()) return RunEvalCommand(eval_command);
    if (inspect->parsed()) return RunInspectCommand(inspect_config);
    if (compare->parsed()) return RunCompareCommand(compare_config);
    if (envs->parsed()) return RunEnvsCommand(envs_config);
    if (sweep->parsed()) return RunSweepCommand(sweep_config);
    if (report->parsed()) return RunReportCommand(report_config);
    if (plot->parsed()) return RunPlotCommand(plot_config);
  } catch (const std::invalid_argument& e) {
    std::cerr << command << ": error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << command << ": error: " << e.what() << "\n";
    return 1;
  }
  return 2;
}

}  // namespace pmlab::runners
