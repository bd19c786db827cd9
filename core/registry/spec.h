#pragma once
// Component specs such as "LunarLander-v3(continuous=true,gravity=-8)" or "topk:0.02": parsing
// them, and binding their values to the fields of an options struct. One binding serves both
// directions: it sets the fields a spec gives, and records every parameter with its current
// value as the default for listing.
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/opt/exact_number.h"

namespace pmlab {

/// One parameter of a component, as `--help` and `pmlab envs` list it.
struct ParameterInfo {
  std::string name;  ///< as written in specs
  std::string default_value;  ///< as it would be written in a spec
  std::string help;  ///< one line
};

/// The parameters a spec gives one component, bound to the fields of its options by the
/// component's binder (registry.h).
class Spec {
 public:
  /// `values` maps parameter names to their text; empty when a registry lists the parameters.
  Spec(std::string component, std::map<std::string, std::string> values, bool describing = false)
      : component_(std::move(component)), given_(std::move(values)), describing_(describing) {}

  /// The component's name, for messages.
  const std::string& component() const { return component_; }
  /// True while the registry only lists the parameters: a binder skips checks that need a value.
  bool describing() const { return describing_; }

  /// Binds a real-valued parameter; `*field` holds its default, a NaN default makes it required.
  void Number(const std::string& name, double* field, const std::string& help) {
    const bool required = std::isnan(*field);
    infos_.push_back({name, required ? std::string() : core::FormatNumber(*field), help});
    if (const auto text = Take(name)) {
      const auto v = core::ParseNumber(*text);
      if (!v || !std::isfinite(*v)) Reject(name, "needs a number, not '" + *text + "'");
      *field = *v;
    } else if (required && !describing_) {
      Reject(name, "needs a value (" + component_ + "(" + name + "=X))");
    }
  }
  /// Binds a real-valued parameter in [low, high]: the range that keeps a simulation finite.
  void Number(const std::string& name, double* field, double low, double high, const std::string& help) {
    const std::string range = core::FormatNumber(low) + " to " + core::FormatNumber(high);
    Number(name, field, help + ", " + range);
    if (!(*field >= low && *field <= high)) Reject(name, "must be from " + range + ", not " + core::FormatNumber(*field));
  }
  /// Binds a whole-number parameter in [low, high]; a default below `low` makes it required.
  void Integer(const std::string& name, std::int64_t* field, std::int64_t low, std::int64_t high, const std::string& help) {
    const bool required = *field < low;
    infos_.push_back({name, required ? std::string() : std::to_string(*field), help});
    const std::string range = "a whole number from " + std::to_string(low) + " to " + std::to_string(high);
    if (const auto text = Take(name)) {
      const auto v = core::ParseNumber(*text);
      if (!v || *v != std::floor(*v) || *v < static_cast<double>(low) || *v > static_cast<double>(high))
        Reject(name, "needs " + range + ", not '" + *text + "'");
      *field = static_cast<std::int64_t>(*v);
    } else if (required && !describing_) {
      Reject(name, "needs a value, " + range + " (" + component_ + ":N)");
    }
  }
  /// Binds a true/false parameter.
  void Flag(const std::string& name, bool* field, const std::string& help) {
    infos_.push_back({name, *field ? "true" : "false", help});
    if (const auto text = Take(name)) {
      if (*text != "true" && *text != "false") Reject(name, "is true or false, not '" + *text + "'");
      *field = *text == "true";
    }
  }
  /// Binds a parameter kept as text, which the binder interprets; an empty default is listed
  /// as required.
  void Text(const std::string& name, std::string* field, const std::string& help) {
    infos_.push_back({name, *field, help});
    if (const auto text = Take(name)) *field = *text;
  }

  /// After binding: a parameter the component does not have is an error naming those it has.
  void RefuseLeftovers() const {
    if (given_.empty()) return;
    std::string allowed;
    for (const auto& p : infos_) allowed += (allowed.empty() ? "" : ", ") + p.name;
    throw std::invalid_argument(component_ + " has no parameter '" + given_.begin()->first + "' (allowed: " +
                                (allowed.empty() ? "none" : allowed) + ")");
  }

  /// Throws std::invalid_argument naming the component and the parameter, with its help.
  [[noreturn]] void Reject(const std::string& name, const std::string& why) const {
    std::string what = name;
    for (const ParameterInfo& p : infos_)
      if (p.name == name && !p.help.empty()) what += " (" + p.help + ")";
    throw std::invalid_argument(component_ + ": parameter " + what + " " + why);
  }

  /// Every parameter bound so far, with its default.
  const std::vector<ParameterInfo>& infos() const { return infos_; }

 private:
  // The value given for `name`, removed from what is left to bind.
  std::optional<std::string> Take(const std::string& name) {
    const auto it = given_.find(name);
    if (it == given_.end()) return std::nullopt;
    std::string value = std::move(it->second);
    given_.erase(it);
    return value;
  }

  std::string component_;
  std::map<std::string, std::string> given_;
  bool describing_;
  std::vector<ParameterInfo> infos_;
};

namespace detail {
inline std::string Trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}
}  // namespace detail

/// "Name(k=v, ...)" -> Name and its values; "Name:v" -> Name and {"": v}, the value of its only
/// parameter.
inline std::pair<std::string, std::map<std::string, std::string>> ParseSpec(const std::string& spec) {
  const auto open = spec.find('(');
  const auto colon = spec.find(':');
  std::map<std::string, std::string> values;
  if (colon != std::string::npos && colon < open) {
    values[""] = detail::Trim(spec.substr(colon + 1));
    return {detail::Trim(spec.substr(0, colon)), values};
  }
  if (open == std::string::npos) return {detail::Trim(spec), values};
  const std::string name = detail::Trim(spec.substr(0, open));
  if (spec.back() != ')') throw std::invalid_argument("'" + spec + "' must end with ')' after the parameters of " + name);
  std::stringstream in(spec.substr(open + 1, spec.size() - open - 2));
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto eq = item.find('=');
    const std::string key = detail::Trim(item.substr(0, eq));
    if (eq == std::string::npos || key.empty())
      throw std::invalid_argument(name + ": parameters are written key=value, not '" + detail::Trim(item) + "'");
    if (!values.emplace(key, detail::Trim(item.substr(eq + 1))).second) throw std::invalid_argument(name + ": parameter " + key + " given twice");
  }
  return {name, values};
}

}  // namespace pmlab
