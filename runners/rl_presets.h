#pragma once
// Tuned settings of `pmlab rl` per environment (presets/rl.toml, built into the program). A
// run that names an environment with a preset, and chooses nothing of the method itself (no
// --config, no flag beyond where and how long it runs), starts from the preset; `--preset
// NAME` applies one beneath whatever flags are given. Commands that spell out their method, as
// every recipe written before presets does, run as they always did. The run's config.toml
// records every value it used, so replaying a run never reads a preset.
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace pmlab::runners {

/// One preset: the environment it is tuned for and its settings, as flag names and values.
struct RlPreset {
  std::string env;
  std::vector<std::pair<std::string, std::string>> settings;
};

/// Every shipped preset, in the file's order.
const std::vector<RlPreset>& RlPresets();
/// The preset of `name` (an environment spec as written in the file), or null.
const RlPreset* FindRlPreset(const std::string& name);

/// `--preset` after parsing: "auto" (the preset of --env, when it has one and neither --config
/// nor a flag of the method was given), "none", or the name of a preset. Sets every option of
/// `command` that the command line and the config file left unset from the preset's settings.
/// Returns the preset applied, or "none". Throws std::invalid_argument naming --preset for a
/// name without a preset.
std::string ApplyRlPreset(CLI::App& command, const std::string& preset, const std::string& env, bool config_given);

/// The presets as `pmlab rl --help` lists them.
std::string RlPresetListing();

}  // namespace pmlab::runners
