// pmlab: the command line. Parses, builds, runs; every algorithm lives in the libraries.
#include <CLI/CLI.hpp>
#include <iostream>
#include <stdexcept>

#include "core/stop_request.h"
#include "runners/commands.h"

int main(int argc, char** argv) {
  CLI::App app("pmlab: parallel momentum methods under biased gradient estimates", "pmlab");
  app.require_subcommand(1);
  app.set_version_flag("--version", "pmlab 0.1.0");
  // Config files are read by the top-level app (CLI11 does not read them for subcommands);
  // fallthrough lets `pmlab train --config FILE` reach it. Options sit in a [train] or [meta] section.
  app.set_config("--config", "", "Read options from a TOML file (a [SUBCOMMAND] section per subcommand)");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.fallthrough();
  app.option_defaults()->always_capture_default();

  pmlab::supervised::TrainConfig train_config;
  CLI::App* train = pmlab::runners::AddTrainCommand(app, train_config);
  pmlab::metalearn::MetaConfig meta_config;
  CLI::App* meta = pmlab::runners::AddMetaCommand(app, meta_config);
  pmlab::runners::ResumeConfig resume_config;
  CLI::App* resume = pmlab::runners::AddResumeCommand(app, resume_config);
  pmlab::runners::EvalConfig eval_config;
  CLI::App* eval = pmlab::runners::AddEvalCommand(app, eval_config);
  pmlab::runners::InspectConfig inspect_config;
  CLI::App* inspect = pmlab::runners::AddInspectCommand(app, inspect_config);
  pmlab::runners::EnvsConfig envs_config;
  CLI::App* envs = pmlab::runners::AddEnvsCommand(app, envs_config);
  pmlab::runners::CompareConfig compare_config;
  CLI::App* compare = pmlab::runners::AddCompareCommand(app, compare_config);

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

  pmlab::core::InstallStopHandlers();
  try {
    if (resume->parsed()) return pmlab::runners::RunResumeCommand(resume_config);
    if (eval->parsed()) return pmlab::runners::RunEvalCommand(eval_config);
    if (inspect->parsed()) return pmlab::runners::RunInspectCommand(inspect_config);
    if (train->parsed()) return pmlab::runners::RunTrainCommand(train_config);
    if (meta->parsed()) return pmlab::runners::RunMetaCommand(meta_config);
    if (compare->parsed()) return pmlab::runners::RunCompareCommand(compare_config);
    if (envs->parsed()) return pmlab::runners::RunEnvsCommand(envs_config);
  } catch (const std::invalid_argument& e) {
    std::cerr << command << ": error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << command << ": error: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
