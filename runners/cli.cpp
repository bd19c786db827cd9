// The pmlab command line: parses, builds, runs; every algorithm lives in the libraries.
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "core/opt/cluster.h"
#include "core/run/stop_request.h"
#include "runners/commands.h"
#include "runners/config_toml.h"
#include "runners/run_flags.h"

namespace pmlab::runners {
namespace {

// An error of a run: in a job of several processes, the first to report it stops the job. The
// server reports at once; another process waits a moment first, since an error every process
// meets (a bad file, say) is then reported once, by the server, before the job stops.
int Fail(const std::string& message, int code) {
  core::Cluster& job = core::ThisJob();
  if (!job.is_root()) std::this_thread::sleep_for(std::chrono::seconds(2));
  std::cerr << message << (job.is_root() ? "" : " (process " + std::to_string(job.rank()) + ")") << "\n";
  job.Abort(code);
  return code;
}

}  // namespace

int RunPmlab(int argc, char** argv) {
  // Every process of a job parses the same command line; only the server speaks for them.
  const bool speaks = core::ThisJob().is_root();
  // A program that links pmlab and registers components of its own speaks under its own name.
  const std::string program = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "pmlab";
  CLI::App app("pmlab: parallel momentum methods under biased gradient estimates", program);
  app.require_subcommand(1);
  app.set_version_flag("--version", "pmlab 0.1.0");
  // Config files are read by the top-level app (CLI11 does not read them for subcommands);
  // fallthrough lets `pmlab train --config FILE` reach it. Options sit in a section named after
  // the subcommand, e.g. [train].
  CLI::Option* config = app.set_config("--config", "", "Read options from a TOML file with the command's own [SUBCOMMAND] table")
                            ->check(ConfigFile())
                            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  // The file must be of the command given (a [train] file for pmlab train); flags on the
  // command line win over it, as CLI11 applies a file's value only to flags not given.
  app.config_formatter(std::make_shared<StrictTomlConfig>(
      [&app] {
        const std::vector<CLI::App*> parsed = app.get_subcommands();
        return parsed.empty() ? std::string() : parsed.front()->get_name();
      },
      [config] { return config->as<std::string>(); }));
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.fallthrough();
  UsePmlabOptionDefaults(app);
  std::string registered = "Registered components, written NAME, NAME:VALUE (its one parameter) or NAME(KEY=VALUE,...);\n"
                           "each run command's --help lists their parameters:\n";
  for (const RegistryBase* registry : Registries()) registered += "\n" + ComponentListing(*registry, true);
  app.footer(registered);

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

  RefuseEmptyText(app);
  const std::string command = argc > 1 ? program + " " + argv[1] : program;
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return speaks ? app.exit(e) : 0;
  } catch (const CLI::ParseError& e) {
    if (!speaks) return 2;
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
    if (core::ThisJob().size() > 1) {
      // Everything else reads or writes as one process; P copies would race on the same files.
      if (speaks)
        std::cerr << command << ": error: runs in one process; start it without mpirun (only train, meta, rl and resume "
                  << "spread over processes)\n";
      return 2;
    }
    if (eval->parsed()) return RunEvalCommand(eval_command);
    if (inspect->parsed()) return RunInspectCommand(inspect_config);
    if (compare->parsed()) return RunCompareCommand(compare_config);
    if (envs->parsed()) return RunEnvsCommand(envs_config);
    if (sweep->parsed()) return RunSweepCommand(sweep_config);
    if (report->parsed()) return RunReportCommand(report_config);
    if (plot->parsed()) return RunPlotCommand(plot_config);
  } catch (const std::invalid_argument& e) {
    return Fail(command + ": error: " + e.what(), 2);
  } catch (const std::exception& e) {
    return Fail(command + ": error: " + e.what(), 1);
  }
  return 2;
}

}  // namespace pmlab::runners
