#pragma once
// The flags every run command shares (method, biased operators, bookkeeping), and config.toml:
// a command's flags written out with their resolved values, and read back for resume and eval.
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/run_options.h"

namespace pmlab::runners {

/// A validator for a number in (0, 1] and one for a finite number > 0.
extern const CLI::Validator kOpenClosedUnit;
extern const CLI::Validator kPositive;

/// Registers --iters, --lr, --beta, --nesterov, --momentum-at, --schedule, --compress, --clip,
/// --error-feedback (groups "Method", "Biased operators") and --seed, --threads, --eval-every,
/// --out, --checkpoint-every, --keep-checkpoints, --quiet (group "Run") for `c`. --workers is
/// each command's own, since its meaning differs.
void AddRunFlags(CLI::App* cmd, core::RunOptions& c, const std::string& eval_help);

/// runs/COMMAND-YYYYmmdd-HHMMSS
std::string DefaultOut(const std::string& command);

/// config.toml text for `config`: `add` registers the command `section` with `config` as the
/// defaults, and every value is written back out.
template <typename Config>
std::string ConfigToml(const Config& config, CLI::App* (*add)(CLI::App&, Config&), const std::string& section) {
  CLI::App app;
  app.option_defaults()->always_capture_default();
  Config copy = config;
  CLI::App* cmd = add(app, copy);
  std::vector<std::string> args{section};
  app.parse(args);
  return "# pmlab " + section + " configuration; run again with: pmlab " + section + " --config THIS_FILE --out NEW_DIR\n[" +
         section + "]\n" + cmd->config_to_str(true, false);
}

/// Reads a config.toml written by ConfigToml; std::runtime_error if it cannot.
template <typename Config>
Config ParseConfigToml(const std::string& toml, CLI::App* (*add)(CLI::App&, Config&)) {
  CLI::App app;
  app.allow_config_extras(CLI::config_extras_mode::error);
  Config config;
  add(app, config);
  std::istringstream in(toml);
  try {
    app.parse_from_stream(in);
  } catch (const CLI::ParseError& e) {
    throw std::runtime_error(std::string("the stored config cannot be read: ") + e.what());
  }
  return config;
}

}  // namespace pmlab::runners
