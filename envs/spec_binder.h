#pragma once
// Specs such as "LunarLander-v3(continuous=true,gravity=-8)": parsing them, and binding their
// values to the fields of an options struct. One binding serves both directions: it sets the
// fields a spec gives, and records every parameter with its current value as the default for
// listing. Shared by the environment and the task-family registries.
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/opt/exact_number.h"
#include "envs/registry.h"

namespace pmlab::envs::detail {

inline std::string Trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

// Binds an environment's parameters to the fields of its options: sets the fields from a
// spec's values and records each parameter with its default for listing.
class Binder {
 public:
  Binder(std::string env, std::map<std::string, std::string> given) : env_(std::move(env)), given_(std::move(given)) {}

  void Number(const std::string& name, double* field, const std::string& help) {
    infos_.push_back({name, Format(*field), help});
    const auto it = given_.find(name);
    if (it == given_.end()) return;
    const auto v = core::ParseNumber(it->second);
    if (!v || !std::isfinite(*v)) throw std::invalid_argument(env_ + ": parameter " + name + " needs a number, not '" + it->second + "'");
    *field = *v;
    given_.erase(it);
  }

  void Flag(const std::string& name, bool* field, const std::string& help) {
    infos_.push_back({name, *field ? "true" : "false", help});
    const auto it = given_.find(name);
    if (it == given_.end()) return;
    if (it->second != "true" && it->second != "false")
      throw std::invalid_argument(env_ + ": parameter " + name + " is true or false, not '" + it->second + "'");
    *field = it->second == "true";
    given_.erase(it);
  }

  // After binding: a parameter the environment does not have is an error naming those it has.
  void RefuseLeftovers() const {
    if (given_.empty()) return;
    std::string allowed;
    for (const auto& p : infos_) allowed += (allowed.empty() ? "" : ", ") + p.name;
    throw std::invalid_argument(env_ + " has no parameter '" + given_.begin()->first + "' (allowed: " +
                                (allowed.empty() ? "none" : allowed) + ")");
  }

  const std::vector<ParameterInfo>& infos() const { return infos_; }

 private:
  static std::string Format(double v) { return core::FormatNumber(v); }
  std::string env_;
  std::map<std::string, std::string> given_;
  std::vector<ParameterInfo> infos_;
};

// "Name(k=v, ...)" -> Name and its values.
inline std::pair<std::string, std::map<std::string, std::string>> ParseSpec(const std::string& spec) {
  const auto open = spec.find('(');
  std::map<std::string, std::string> values;
  if (open == std::string::npos) return {Trim(spec), values};
  if (spec.back() != ')') throw std::invalid_argument("environment '" + spec + "' must end with ')' after its parameters");
  const std::string name = Trim(spec.substr(0, open));
  std::stringstream in(spec.substr(open + 1, spec.size() - open - 2));
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto eq = item.find('=');
    const std::string key = Trim(item.substr(0, eq));
    if (eq == std::string::npos || key.empty())
      throw std::invalid_argument(name + ": parameters are written key=value, not '" + Trim(item) + "'");
    if (!values.emplace(key, Trim(item.substr(eq + 1))).second) throw std::invalid_argument(name + ": parameter " + key + " given twice");
  }
  return {name, values};
}

}  // namespace pmlab::envs::detail
