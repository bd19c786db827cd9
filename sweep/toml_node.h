#pragma once
// What pmlab reads from a node of a user's TOML file (a sweep file, a --config file): the line
// it stands on, a scalar as the text the command line takes, and a table's entries in the
// order the file gives them. One reading for both kinds of file, so that a value means the
// same in a sweep's axis as in a config. Header-only, for the libraries that link toml++.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "core/opt/exact_number.h"

namespace pmlab::sweep {

/// The line of the file a node stands on.
inline int LineOf(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

/// The command-line text of a scalar (numbers in their shortest exact form); nothing for a
/// table, an array or a date.
inline std::optional<std::string> ScalarText(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return core::FormatNumber(f->get());
  if (const auto* b = node.as_boolean()) return std::string(b->get() ? "true" : "false");
  return std::nullopt;
}

/// A table's entries in the file's order (toml++ keeps them sorted by key).
inline std::vector<std::pair<std::string, const toml::node*>> InFileOrder(const toml::table& table) {
  std::vector<std::pair<std::string, const toml::node*>> entries;
  for (const auto& [key, node] : table) entries.emplace_back(std::string(key.str()), &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& sa = a.second->source().begin;
    const auto& sb = b.second->source().begin;
    return sa.line != sb.line ? sa.line < sb.line : sa.column < sb.column;
  });
  return entries;
}

}  // namespace pmlab::sweep
