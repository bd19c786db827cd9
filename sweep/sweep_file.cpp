#include "sweep/sweep_file.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "sweep/toml_node.h"

#include "core/io/file_text.h"
#include "core/opt/exact_number.h"

namespace pmlab::sweep {

std::string SweepFile::At(int line, const std::string& message) const {
  return path.string() + ":" + std::to_string(line) + ": " + message;
}

SweepFile SweepFile::Load(const std::filesystem::path& path) {
  try {
    return Parse(core::ReadFileText(path, core::kConfigFileLimit, "sweep file"), path);
  } catch (const core::FileTextError& e) {
    throw SweepFileError(e.what());
  }
}

SweepFile SweepFile::Parse(const std::string& text, const std::filesystem::path& path) {
  SweepFile f;
  f.path = path;
  f.text = text;
  toml::table root;
  try {
    root = toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    throw SweepFileError(f.At(static_cast<int>(e.source().begin.line), "not valid TOML: " + std::string(e.description())));
  }
  const auto fail = [&](const toml::node& at, const std::string& message) { throw SweepFileError(f.At(LineOf(at), message)); };

  std::set<std::string> seen;  // option names, in either table
  const auto read_options = [&](const toml::node& node, const std::string& table, bool axes) {
    const toml::table* t = node.as_table();
    if (!t) fail(node, "'" + table + "' must be a table ([" + table + "])");
    for (const auto& [key, value] : InFileOrder(*t)) {
      SweepOption o;
      o.name = key;
      std::replace(o.name.begin(), o.name.end(), '_', '-');
      o.line = LineOf(*value);
      if (o.name == "out" || o.name == "threads" || o.name == "config")
        fail(*value, "'" + key + "' is set by pmlab sweep itself (--out names the sweep folder, --threads and --parallel-runs share the threads); remove it");
      if (!seen.insert(o.name).second) fail(*value, "'" + key + "' is set twice; give it either one value in [base] or several in [axes]");
      if (axes) {
        const toml::array* values = value->as_array();
        if (!values) fail(*value, "axis '" + key + "' must be an array of values, e.g. " + key + " = [0.1, 1.0]");
        if (values->empty()) fail(*value, "axis '" + key + "' is empty; give it at least one value");
        std::set<std::string> distinct;
        for (const toml::node& v : *values) {
          const std::string item = ScalarText(v).value_or("");
          if (item.empty() && !v.is_string()) fail(v, "axis '" + key + "': each value must be a string, number or true/false");
          if (!distinct.insert(item).second) fail(v, "axis '" + key + "' lists the value " + item + " twice");
          o.values.push_back(item);
        }
        f.axes.push_back(std::move(o));
      } else {
        const std::string item = ScalarText(*value).value_or("");
        if (item.empty() && !value->is_string())
          fail(*value, "'" + key + "' must be a string, number or true/false (to vary it, put it in [axes])");
        o.values.push_back(item);
        f.base.push_back(std::move(o));
      }
    }
  };
  const auto read_levels = [&](const toml::node& node) {
    const toml::table* t = node.as_table();
    if (!t) fail(node, "'report' must be a table ([report])");
    for (const auto& [key, value] : InFileOrder(*t)) {
      std::vector<double>* levels = key == "loss_levels"       ? &f.levels.train_loss
                                    : key == "test_loss_levels" ? &f.levels.test_loss
                                    : key == "accuracy_levels"  ? &f.levels.test_accuracy
                                                                : nullptr;
      if (!levels) fail(*value, "[report] has no key '" + key + "' (allowed: loss_levels, test_loss_levels, accuracy_levels)");
      const toml::array* values = value->as_array();
      if (!values) fail(*value, "'" + key + "' must be an array of numbers, e.g. " + key + " = [1.0, 0.5]");
      for (const toml::node& v : *values) {
        const std::optional<double> level = v.value<double>();
        if (!level || !std::isfinite(*level)) fail(v, "'" + key + "': each level must be a finite number");
        levels->push_back(*level);
      }
    }
  };

  for (const auto& [key, node] : InFileOrder(root)) {
    if (key == "command") {
      const auto* command = node->as_string();
      if (!command) fail(*node, "'command' must be a string: train, meta or rl");
      f.command = command->get();
      f.command_line = LineOf(*node);
    } else if (key == "base") {
      read_options(*node, key, false);
    } else if (key == "axes") {
      read_options(*node, key, true);
    } else if (key == "report") {
      read_levels(*node);
    } else {
      fail(*node, "unknown key '" + key + "' (a sweep file has command, [base], [axes] and [report])");
    }
  }
  if (f.command.empty()) throw SweepFileError(f.At(1, "no command: begin the file with command = \"train\" (or meta, rl)"));
  return f;
}

}  // namespace pmlab::sweep
