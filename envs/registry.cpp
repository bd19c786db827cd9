#include "envs/registry.h"

#include <cmath>
#include <functional>
#include <optional>
#include <stdexcept>

#include "envs/bipedal_walker.h"
#include "envs/cart_pole.h"
#include "envs/family_environment.h"
#include "envs/lunar_lander.h"
#include "envs/pendulum.h"
#include "envs/point_nav.h"
#include "envs/spec_binder.h"

namespace pmlab::envs {
namespace {

using detail::Binder;
using detail::ParseSpec;

struct Entry {
  std::string name;
  std::string summary;
  std::optional<double> solved_at;  // Gymnasium's reward_threshold
  std::function<std::unique_ptr<Environment>(Binder&, std::uint64_t)> make;
};

const std::vector<Entry>& Entries() {
  static const std::vector<Entry> entries = {
      {"LunarLander-v3", "Land between the flags (Gymnasium 1.0 rules on Box2D); solved at 200", 200.0,
       [](Binder& b, std::uint64_t instance) {
         LunarLanderOptions o;
         b.Flag("continuous", &o.continuous, "Box(2) throttles instead of Discrete(4)");
         b.Number("gravity", &o.gravity, "gravitational acceleration, in (-12, 0)");
         b.Flag("enable_wind", &o.enable_wind, "wind and turbulence while no leg touches the ground");
         b.Number("wind_power", &o.wind_power, "peak lateral wind force, recommended 0 to 20");
         b.Number("turbulence_power", &o.turbulence_power, "peak wind torque, recommended 0 to 2");
         b.RefuseLeftovers();
         return std::make_unique<LunarLander>(o, instance);
       }},
      {"BipedalWalker-v3", "Walk to the end of the terrain (Gymnasium 1.0 rules on Box2D); solved at 300", 300.0,
       [](Binder& b, std::uint64_t instance) {
         BipedalWalkerOptions o;
         b.Flag("hardcore", &o.hardcore, "stumps, stairs and pits; time limit 2000");
         b.RefuseLeftovers();
         return std::make_unique<BipedalWalker>(o, instance);
       }},
      {"PointNav-v0", "MAML's 2-D navigation to a goal, a Box2D point mass", std::nullopt,
       [](Binder& b, std::uint64_t instance) {
         PointNavOptions o;
         b.Number("goal_x", &o.goal_x, "goal position x");
         b.Number("goal_y", &o.goal_y, "goal position y");
         b.RefuseLeftovers();
         return std::make_unique<PointNav>(o, instance);
       }},
      {"CartPole-v1", "Balance a pole on a cart (Gymnasium's equations); solved at 475", 475.0,
       [](Binder& b, std::uint64_t instance) {
         CartPoleOptions o;
         b.Number("pole_length", &o.pole_length, "half the pole's length (m)");
         b.Number("pole_mass", &o.pole_mass, "pole mass (kg)");
         b.Number("cart_mass", &o.cart_mass, "cart mass (kg)");
         b.RefuseLeftovers();
         return std::make_unique<CartPole>(o, instance);
       }},
      {"Pendulum-v1", "Swing a torque-limited pendulum up (Gymnasium's equations)", std::nullopt,
       [](Binder& b, std::uint64_t instance) {
         PendulumOptions o;
         b.Number("g", &o.gravity, "gravitational acceleration (m/s^2), Gymnasium's keyword g");
         b.RefuseLeftovers();
         return std::make_unique<Pendulum>(o, instance);
       }},
  };
  return entries;
}

// Gymnasium's registered ids for variants: the same environment with one parameter preset.
struct Alias {
  std::string name, target, key, value;
};
const Alias kAliases[] = {{"LunarLanderContinuous-v3", "LunarLander-v3", "continuous", "true"},
                          {"BipedalWalkerHardcore-v3", "BipedalWalker-v3", "hardcore", "true"}};

}  // namespace

std::vector<EnvironmentInfo> RegisteredEnvironments() {
  std::vector<EnvironmentInfo> out;
  for (const Entry& e : Entries()) {
    Binder binder(e.name, {});
    const auto env = e.make(binder, 0);
    out.push_back({e.name, e.summary, binder.infos(), env->observation_space(), env->action_space(), env->time_limit()});
  }
  for (const Alias& a : kAliases) {
    const auto env = MakeEnvironment(a.name);
    std::vector<ParameterInfo> parameters;
    for (const EnvironmentInfo& target : out)
      if (target.name == a.target)
        for (const ParameterInfo& p : target.parameters)
          if (p.name != a.key) parameters.push_back(p);
    out.push_back({a.name, "Gymnasium's id for " + a.target + "(" + a.key + "=" + a.value + ")", parameters, env->observation_space(),
                   env->action_space(), env->time_limit()});
  }
  return out;
}

std::optional<double> SolvedThreshold(const std::string& spec) {
  std::string name = ParseSpec(spec).first;
  for (const Alias& a : kAliases)
    if (name == a.name) name = a.target;
  for (const Entry& e : Entries())
    if (e.name == name) return e.solved_at;
  return std::nullopt;
}

std::unique_ptr<Environment> MakeEnvironment(const std::string& spec, std::uint64_t instance) {
  auto [name, values] = ParseSpec(spec);
  for (const Alias& a : kAliases) {
    if (name != a.name) continue;
    if (const auto given = values.find(a.key); given != values.end() && given->second != a.value)
      throw std::invalid_argument(a.name + " is " + a.target + " with " + a.key + "=" + a.value + "; for " + a.key + "=" +
                                  given->second + " use " + a.target);
    values[a.key] = a.value;
    name = a.target;
  }
  // Every environment takes Gymnasium's max_episode_steps.
  double limit = 0;
  if (const auto given = values.find("max_episode_steps"); given != values.end()) {
    Binder steps(name, {*given});
    steps.Number("max_episode_steps", &limit, "");
    if (limit < 1 || limit != std::floor(limit) || limit > 1e9)
      throw std::invalid_argument(name + ": max_episode_steps must be a whole number >= 1");
    values.erase(given);
  }
  std::unique_ptr<Environment> env;
  for (const Entry& e : Entries()) {
    if (e.name != name) continue;
    Binder binder(e.name, std::move(values));
    env = e.make(binder, instance);
    break;
  }
  // A task family's name is accepted wherever an environment is: a new task every episode.
  if (!env)
    for (const EnvFamilyInfo& family : RegisteredEnvFamilies()) {
      if (family.name != name) continue;
      std::string family_spec = name;
      for (const auto& [key, value] : values) family_spec += (family_spec == name ? "(" : ",") + key + "=" + value;
      if (!values.empty()) family_spec += ")";
      env = std::make_unique<FamilyEnvironment>(family_spec, instance);
      break;
    }
  if (env) {
    if (limit > 0) env->set_time_limit(static_cast<int>(limit));
    return env;
  }
  std::string known;
  for (const Entry& e : Entries()) known += (known.empty() ? "" : ", ") + e.name;
  std::string families;
  for (const EnvFamilyInfo& family : RegisteredEnvFamilies()) families += (families.empty() ? "" : ", ") + family.name;
  throw std::invalid_argument("unknown environment '" + name + "' (registered: " + known + "; task families: " + families + ")");
}

}  // namespace pmlab::envs
