#include "envs/registry.h"

#include <cmath>
#include <stdexcept>

#include "envs/family_environment.h"

namespace pmlab::envs {

EnvironmentRegistry& Environments() {
  static EnvironmentRegistry registry("environment", "Environments", "rl --env");
  return registry;
}

std::vector<EnvironmentInfo> RegisteredEnvironments() {
  std::vector<EnvironmentInfo> out;
  for (ComponentInfo& c : Environments().List()) {
    const auto env = MakeEnvironment(c.name);
    out.push_back({std::move(c.name), std::move(c.summary), std::move(c.parameters), env->observation_space(), env->action_space(),
                   env->time_limit()});
  }
  return out;
}

std::optional<double> SolvedThreshold(const std::string& spec) { return MakeEnvironment(spec)->solved_at(); }

std::unique_ptr<Environment> MakeEnvironment(const std::string& spec, std::uint64_t instance) {
  auto [name, values] = ParseSpec(spec);
  // Every environment takes Gymnasium's max_episode_steps.
  double limit = 0;
  if (const auto given = values.find("max_episode_steps"); given != values.end()) {
    Spec steps(name, {*given});
    steps.Number("max_episode_steps", &limit, "");
    if (limit < 1 || limit != std::floor(limit) || limit > 1e9)
      throw std::invalid_argument(name + ": max_episode_steps must be a whole number >= 1");
    values.erase(given);
  }
  if (!Environments().Has(name) && !EnvFamilies().Has(name))
    throw std::invalid_argument("unknown environment '" + name + "' (registered: " + Environments().Names() +
                                "; task families: " + EnvFamilies().Names() + ")");
  std::unique_ptr<Environment> env;
  if (Environments().Has(name)) {
    env = Environments().Bind(name, std::move(values))(instance);
  } else {
    // A task family's name is accepted wherever an environment is: a new task every episode.
    std::string family_spec = name;
    for (const auto& [key, value] : values) family_spec += (family_spec == name ? "(" : ",") + key + "=" + value;
    if (!values.empty()) family_spec += ")";
    env = std::make_unique<FamilyEnvironment>(family_spec, instance);
  }
  if (limit > 0) env->set_time_limit(static_cast<int>(limit));
  return env;
}

}  // namespace pmlab::envs
