#include "envs/registry.h"

#include <cmath>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>

#include "envs/cart_pole.h"
#include "envs/lunar_lander.h"
#include "envs/pendulum.h"
#include "envs/point_nav.h"

namespace pmlab::envs {
namespace {

std::string Trim(const std::string& s) {
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
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(it->second, &used);
    } catch (const std::exception&) {
    }
    if (used == 0 || used != it->second.size() || !std::isfinite(v))
      throw std::invalid_argument(env_ + ": parameter " + name + " needs a number, not '" + it->second + "'");
    *field = v;
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
  static std::string Format(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
  }
  std::string env_;
  std::map<std::string, std::string> given_;
  std::vector<ParameterInfo> infos_;
};

struct Entry {
  std::string name;
  std::string summary;
  std::function<std::unique_ptr<Environment>(Binder&, std::uint64_t)> make;
};

const std::vector<Entry>& Entries() {
  static const std::vector<Entry> entries = {
      {"LunarLander-v3", "Land between the flags (Gymnasium 1.0 rules on Box2D); solved at 200",
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
      {"PointNav-v0", "MAML's 2-D navigation to a goal, a Box2D point mass",
       [](Binder& b, std::uint64_t instance) {
         PointNavOptions o;
         b.Number("goal_x", &o.goal_x, "goal position x");
         b.Number("goal_y", &o.goal_y, "goal position y");
         b.RefuseLeftovers();
         return std::make_unique<PointNav>(o, instance);
       }},
      {"CartPole-v1", "Balance a pole on a cart (Gymnasium's equations); solved at 475",
       [](Binder& b, std::uint64_t instance) {
         CartPoleOptions o;
         b.Number("pole_length", &o.pole_length, "half the pole's length (m)");
         b.Number("pole_mass", &o.pole_mass, "pole mass (kg)");
         b.Number("cart_mass", &o.cart_mass, "cart mass (kg)");
         b.RefuseLeftovers();
         return std::make_unique<CartPole>(o, instance);
       }},
      {"Pendulum-v1", "Swing a torque-limited pendulum up (Gymnasium's equations)",
       [](Binder& b, std::uint64_t instance) {
         PendulumOptions o;
         b.Number("gravity", &o.gravity, "g (m/s^2)");
         b.RefuseLeftovers();
         return std::make_unique<Pendulum>(o, instance);
       }},
  };
  return entries;
}

// "Name(k=v, ...)" -> Name and its values.
std::pair<std::string, std::map<std::string, std::string>> ParseSpec(const std::string& spec) {
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

}  // namespace

std::vector<EnvironmentInfo> RegisteredEnvironments() {
  std::vector<EnvironmentInfo> out;
  for (const Entry& e : Entries()) {
    Binder binder(e.name, {});
    const auto env = e.make(binder, 0);
    out.push_back({e.name, e.summary, binder.infos(), env->observation_space(), env->action_space(), env->time_limit()});
  }
  return out;
}

std::unique_ptr<Environment> MakeEnvironment(const std::string& spec, std::uint64_t instance) {
  auto [name, values] = ParseSpec(spec);
  for (const Entry& e : Entries()) {
    if (e.name != name) continue;
    // Every environment takes Gymnasium's max_episode_steps.
    double limit = 0;
    const auto given = values.find("max_episode_steps");
    if (given != values.end()) {
      Binder steps(e.name, {*given});
      steps.Number("max_episode_steps", &limit, "");
      if (limit < 1 || limit != std::floor(limit) || limit > 1e9)
        throw std::invalid_argument(e.name + ": max_episode_steps must be a whole number >= 1");
      values.erase(given);
    }
    Binder binder(e.name, std::move(values));
    auto env = e.make(binder, instance);
    if (limit > 0) env->set_time_limit(static_cast<int>(limit));
    return env;
  }
  std::string known;
  for (const Entry& e : Entries()) known += (known.empty() ? "" : ", ") + e.name;
  throw std::invalid_argument("unknown environment '" + name + "' (registered: " + known + ")");
}

}  // namespace pmlab::envs
