#include "runners/config_toml.h"

#include <algorithm>
#include <iterator>
#include <sstream>

#include <toml++/toml.h>

#include "core/io/file_text.h"
#include "core/opt/exact_number.h"
#include "core/run/run_directory.h"
#include "sweep/toml_node.h"

namespace pmlab::runners {
namespace {

using sweep::LineOf;
using sweep::ScalarText;

// `text` bare if TOML reads it back as a number or true/false with the same text, else quoted:
// "0.1" stays a number, "topk:0.02" and a seed beyond TOML's 64-bit integers become strings.
std::string TomlValue(const std::string& text) {
  if (!text.empty() && text.size() < 40 && text.find_first_of("\"'#\n=[]{}") == std::string::npos) {
    try {
      const toml::table probe = toml::parse("v = " + text);
      const toml::node* v = probe.get("v");
      if (v && !v->is_string() && ScalarText(*v) == text) return text;
    } catch (const toml::parse_error&) {
    }
  }
  return core::JsonString(text);  // a TOML basic string escapes as a JSON string does
}

toml::table ParseToml(const std::string& text, const std::string& file) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw CLI::ConfigError(file + ":" + std::to_string(e.source().begin.line) + ": not valid TOML: " + std::string(e.description()));
  }
}

// The one table of `root`; ConfigError naming `file` otherwise.
std::pair<std::string, const toml::table*> OneTable(const toml::table& root, const std::string& file) {
  std::vector<std::string> tables;
  const toml::table* found = nullptr;
  for (const auto& [key, node] : root) {
    if (!node.is_table())
      throw CLI::ConfigError(file + ":" + std::to_string(LineOf(node)) + ": '" + std::string(key.str()) +
                             "' stands outside a section; a config file holds one [COMMAND] table, e.g. [train], with the options under it");
    tables.push_back("[" + std::string(key.str()) + "]");
    found = node.as_table();
  }
  if (tables.size() != 1) {
    std::string list;
    for (const std::string& t : tables) list += (list.empty() ? "" : ", ") + t;
    throw CLI::ConfigError(file + ": " + (tables.empty() ? "holds no [COMMAND] table" : "holds the tables " + list) +
                           "; a config file holds exactly one, named after its command, e.g. [train]");
  }
  return {tables.front().substr(1, tables.front().size() - 2), found};
}

}  // namespace

std::string ConfigTomlBody(const CLI::App& cmd) {
  std::string body;
  for (const CLI::Option* opt : cmd.get_options()) {
    if (opt->get_lnames().empty() || !opt->get_configurable() || opt == cmd.get_help_ptr() || opt == cmd.get_config_ptr()) continue;
    const std::vector<std::string> results = opt->reduced_results();
    const std::string value = results.empty() ? opt->get_default_str() : results.back();
    body += opt->get_lnames().front() + "=" + TomlValue(value) + "\n";
  }
  return body;
}

std::string StrictTomlConfig::to_config(const CLI::App* app, bool, bool, std::string) const { return ConfigTomlBody(*app); }

std::vector<CLI::ConfigItem> StrictTomlConfig::from_config(std::istream& input) const {
  const std::string file = file_();
  std::string text;
  char block[1 << 16];
  while (input.read(block, sizeof block) || input.gcount() > 0) {
    text.append(block, static_cast<std::size_t>(input.gcount()));
    if (text.size() > core::kConfigFileLimit)
      throw CLI::ConfigError(file + " is larger than the " + core::ByteSize(core::kConfigFileLimit) + " a config file may be");
  }
  const toml::table root = ParseToml(text, file);
  const auto [name, table] = OneTable(root, file);
  const std::string section = section_();
  if (name != section)
    throw CLI::ConfigError(file + " is a config of pmlab " + name + " (its table is [" + name + "]), not of pmlab " + section +
                           " (whose table is [" + section + "]); run it with: pmlab " + name + " --config " + file);
  std::vector<CLI::ConfigItem> items;
  items.push_back({{section}, "++", {}});
  for (const auto& [key, node] : sweep::InFileOrder(*table)) {
    const std::optional<std::string> value = ScalarText(*node);
    if (!value)
      throw CLI::ConfigError(file + ":" + std::to_string(LineOf(*node)) + ": '" + key + "' must be one value (a string, number or " +
                             "true/false), not " + (node->is_array() ? "an array" : "a table") + "; to run several values, use pmlab sweep");
    items.push_back({{section}, key, {*value}});
  }
  items.push_back({{section}, "--", {}});
  return items;
}

std::string ConfigSection(const std::string& text, const std::string& file) {
  try {
    return OneTable(ParseToml(text, file), file).first;
  } catch (const CLI::ConfigError& e) {
    throw std::runtime_error(e.what());
  }
}

CLI::Validator ConfigFile() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        try {
          core::CheckRegularFile(path, core::kConfigFileLimit, "config file");
        } catch (const core::FileTextError& e) {
          return e.what();
        }
        return {};
      },
      "FILE");
}

}  // namespace pmlab::runners
