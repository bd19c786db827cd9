#pragma once
// The flags every run command shares (method, biased operators, bookkeeping), typed options
// bound to flags, and config.toml: a command's flags written out with their resolved values in
// their exact form, and read back for --config, resume and eval.
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/registry/registry.h"
#include "core/run/run_options.h"
#include "runners/config_toml.h"

namespace pmlab::runners {

/// A validator for a finite number > 0 (for options core does not validate itself).
extern const CLI::Validator kPositive;
/// A validator for a finite number >= 0.
extern const CLI::Validator kNonNegative;

/// Refuses an empty value for every text option of `app` and its subcommands: no pmlab option
/// means anything by an empty string (leave the option out for its default).
void RefuseEmptyText(CLI::App& app);

/// Makes every option of `app` (and of subcommands added later) take the last of repeated
/// values, so scripts can append overrides; the shared defaults of every pmlab app.
void UsePmlabOptionDefaults(CLI::App& app);

/// An option whose text `parse` turns into `target` (throwing std::invalid_argument to refuse
/// it) and `print` turns back; --help and config.toml show print(target).
template <typename T, typename Parse, typename Print>
CLI::Option* AddParsed(CLI::App* cmd, const std::string& name, T& target, Parse parse, Print print, const std::string& help) {
  return cmd
      ->add_option_function<std::string>(
          name,
          [&target, parse, name](const std::string& text) {
            try {
              target = parse(text);
            } catch (const std::invalid_argument& e) {
              throw CLI::ValidationError(name, e.what());
            }
          },
          help)
      ->default_str(print(target));
}

/// A floating-point option read with correct rounding and written in its shortest exact form,
/// so that config.toml replays any value a user typed bit for bit.
CLI::Option* AddNumber(CLI::App* cmd, const std::string& name, double& target, const std::string& help);

/// A seed option: a whole number from 0 to 2^64 - 1, anything else refused (no wrap-around).
CLI::Option* AddSeed(CLI::App* cmd, const std::string& name, std::uint64_t& target, const std::string& help);

/// The seed `text` names; std::invalid_argument for anything but 0 ... 2^64 - 1.
std::uint64_t ParseSeed(const std::string& text);

/// A true/false option that config.toml writes back as true or false (a CLI11 flag cannot be
/// turned off from the command line).
CLI::Option* AddSwitch(CLI::App* cmd, const std::string& name, bool& target, const std::string& help);

/// Registers --iters, --lr, --beta, --nesterov, --momentum-at, --schedule, --compress, --clip,
/// --error-feedback (groups "Method", "Biased operators") and --seed, --threads, --eval-every,
/// --out, --checkpoint-every, --keep-checkpoints, --quiet (group "Run") for `c`. --workers is
/// each command's own, since its meaning differs.
void AddRunFlags(CLI::App* cmd, core::RunOptions& c, const std::string& eval_help);

/// The --help footer of a run command: --config and repeated flags, what the run writes
/// (`writes`, full lines), the exit codes, and the components it accepts: those of its own
/// `registries`, then the worker operators of AddRunFlags.
std::string RunFooter(const std::string& command, const std::string& writes, const std::vector<const RegistryBase*>& registries);

/// One line per parameter: "name=default  help", or "name (required)  help".
std::string ParameterLines(const std::vector<ParameterInfo>& parameters, const std::string& indent);

/// The registered components of `registry` with their summaries, and with their parameters
/// and defaults unless `brief`: a --help section.
std::string ComponentListing(const RegistryBase& registry, bool brief = false);

/// A validator: the text must name a component of `registry`, with valid parameters.
CLI::Validator Registered(const RegistryBase& registry);

/// The items of a comma-separated list (--against, --over), empty items dropped.
std::vector<std::string> SplitList(const std::string& list);

/// runs/COMMAND-YYYYmmdd-HHMMSS
std::string DefaultOut(const std::string& command);

/// Adds a command with its flags bound to a config.
template <typename Config>
using AddFlagsFn = std::function<CLI::App*(CLI::App&, Config&)>;

/// config.toml text for `config`: `add` registers the command `section` with `config` as the
/// defaults, and every value is written back out.
template <typename Config>
std::string ConfigToml(const Config& config, const AddFlagsFn<Config>& add, const std::string& section) {
  CLI::App app;
  UsePmlabOptionDefaults(app);
  Config copy = config;
  CLI::App* cmd = add(app, copy);
  std::vector<std::string> args{section};
  app.parse(args);
  return "# pmlab " + section + " configuration; run again with: pmlab " + section + " --config THIS_FILE --out NEW_DIR\n[" +
         section + "]\n" + ConfigTomlBody(*cmd);
}

/// Reads a config.toml of the command `section`; std::runtime_error if it cannot.
template <typename Config>
Config ParseConfigToml(const std::string& toml, const AddFlagsFn<Config>& add, const std::string& section) {
  CLI::App app;
  UsePmlabOptionDefaults(app);
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.config_formatter(std::make_shared<StrictTomlConfig>([section] { return section; }, [] { return std::string("the stored config"); }));
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
