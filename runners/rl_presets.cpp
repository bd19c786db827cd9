#include "runners/rl_presets.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include <toml++/toml.h>

#include "sweep/toml_node.h"

namespace pmlab::runners {

extern const char* const kRlPresetsToml;  // presets/rl.toml, generated into rl_presets_text.cpp

const std::vector<RlPreset>& RlPresets() {
  static const std::vector<RlPreset> presets = [] {
    std::vector<RlPreset> out;
    const toml::table file = toml::parse(std::string_view(kRlPresetsToml), std::string_view("presets/rl.toml"));
    for (const auto& [env, node] : sweep::InFileOrder(file)) {
      const toml::table* table = node->as_table();
      if (!table) throw std::logic_error("presets/rl.toml: '" + env + "' is not a table");
      RlPreset preset{env, {}};
      for (const auto& [key, value] : sweep::InFileOrder(*table)) {
        const auto text = sweep::ScalarText(*value);
        if (!text) throw std::logic_error("presets/rl.toml: [" + env + "] " + key + " is not a single value");
        preset.settings.emplace_back(key, *text);
      }
      out.push_back(std::move(preset));
    }
    return out;
  }();
  return presets;
}

const RlPreset* FindRlPreset(const std::string& name) {
  for (const RlPreset& p : RlPresets())
    if (p.env == name) return &p;
  return nullptr;
}

namespace {

// Flags that say where and how long a run goes, not how it learns: giving them still leaves
// the choice of method to the preset.
bool Bookkeeping(const CLI::Option& option) {
  static const std::vector<std::string> names = {"--env",   "--preset",     "--out",           "--seed",           "--threads", "--quiet",
                                                 "--iters", "--eval-every", "--eval-episodes", "--checkpoint-every", "--keep-checkpoints"};
  return std::find(names.begin(), names.end(), option.get_name()) != names.end();
}

// Whether the command line chose any part of the method itself.
bool ChoosesMethod(CLI::App& command) {
  for (const CLI::Option* option : command.get_options())
    if (option->count() > 0 && !Bookkeeping(*option)) return true;
  return false;
}

}  // namespace

std::string ApplyRlPreset(CLI::App& command, const std::string& preset, const std::string& env, bool config_given) {
  if (preset == "none" || (preset == "auto" && (config_given || ChoosesMethod(command)))) return "none";
  const RlPreset* chosen = FindRlPreset(preset == "auto" ? env : preset);
  if (!chosen) {
    if (preset == "auto") return "none";
    std::string names;
    for (const RlPreset& p : RlPresets()) names += ", " + p.env;
    throw std::invalid_argument("--preset: there is no preset '" + preset + "' (presets: auto, none" + names + ")");
  }
  for (const auto& [key, value] : chosen->settings) {
    CLI::Option* option = command.get_option_no_throw("--" + key);
    if (!option) throw std::logic_error("presets/rl.toml: [" + chosen->env + "] sets '" + key + "', which pmlab rl does not have");
    if (option->count() > 0) continue;  // given on the command line or in the config file
    option->add_result(value);
    option->run_callback();
  }
  return chosen->env;
}

std::string RlPresetListing() {
  std::ostringstream out;
  out << "Presets (presets/rl.toml): pmlab rl --env NAME starts from NAME's preset when no other flag chooses the\n"
         "method (--out, --seed, --threads, --iters and the evaluation and checkpoint flags may be given) and no\n"
         "--config is; --preset NAME applies one beneath any flags; --preset none runs the plain defaults above:\n";
  for (const RlPreset& p : RlPresets()) {
    out << "  " << p.env << ":";
    for (const auto& [key, value] : p.settings) out << " --" << key << " " << value;
    out << "\n";
  }
  return out.str();
}

}  // namespace pmlab::runners
