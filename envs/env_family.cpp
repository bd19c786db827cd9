// Task families for meta-RL: each samples task parameters from its own stream and returns the
// spec of the environment for that task, with numbers in their shortest exact form so that the
// spec rebuilds the very same task.
#include <functional>
#include <stdexcept>

#include "core/opt/exact_number.h"
#include "envs/registry.h"

namespace pmlab::envs {
namespace {

std::string Number(double v) { return core::FormatNumber(v); }

double Uniform(core::Rng& rng, double low, double high) { return low == high ? low : rng.Uniform(low, high); }

void RequireRange(const std::string& family, const std::string& what, double low, double high) {
  if (!(low <= high)) throw std::invalid_argument(family + ": " + what + " needs low <= high");
}

// A family whose draws are made by a function of the stream.
class FunctionFamily final : public EnvFamily {
 public:
  explicit FunctionFamily(std::function<std::string(core::Rng&)> sample) : sample_(std::move(sample)) {}
  std::string SampleTask(core::Rng& rng) const override { return sample_(rng); }

 private:
  std::function<std::string(core::Rng&)> sample_;
};

PMLAB_REGISTER(EnvFamilies(), "PointNav", "PointNav-v0 with a goal uniform in [-r, r]^2 (MAML's 2-D navigation tasks)", [](Spec& spec) {
  double range = 0.5;
  spec.Number("goal_range", &range, 0, 100, "r: goals uniform in [-r, r]^2");
  return [=]() -> std::unique_ptr<EnvFamily> {
    return std::make_unique<FunctionFamily>([range](core::Rng& rng) {
      const double x = Uniform(rng, -range, range), y = Uniform(rng, -range, range);
      return "PointNav-v0(goal_x=" + Number(x) + ",goal_y=" + Number(y) + ")";
    });
  };
});
PMLAB_REGISTER(EnvFamilies(), "LunarLander", "LunarLander-v3 with gravity uniform in [low, high], optionally wind power uniform in [0, max]", [](Spec& spec) {
  double low = -11.99, high = -5, wind_max = 20;
  bool wind = false, continuous = false;
  spec.Number("gravity_low", &low, "lowest gravity (most negative)");
  spec.Number("gravity_high", &high, "highest gravity");
  spec.Flag("enable_wind", &wind, "tasks with wind, its power uniform in [0, wind_power_max]");
  spec.Number("wind_power_max", &wind_max, 0, 50, "largest wind power");
  spec.Flag("continuous", &continuous, "continuous actions");
  RequireRange("LunarLander", "gravity", low, high);
  if (!(low > -12 && high < 0)) throw std::invalid_argument("LunarLander: gravity must stay between -12 and 0");
  return [=]() -> std::unique_ptr<EnvFamily> {
    return std::make_unique<FunctionFamily>([=](core::Rng& rng) {
      std::string spec = "LunarLander-v3(continuous=" + std::string(continuous ? "true" : "false") +
                          ",gravity=" + Number(Uniform(rng, low, high));
      if (wind) spec += ",enable_wind=true,wind_power=" + Number(Uniform(rng, 0, wind_max));
      return spec + ")";
    });
  };
});
PMLAB_REGISTER(EnvFamilies(), "CartPole", "CartPole-v1 with pole half-length and mass uniform in ranges", [](Spec& spec) {
  double length_low = 0.25, length_high = 1.0, mass_low = 0.05, mass_high = 0.5;
  spec.Number("length_low", &length_low, 0.01, 100, "shortest pole half-length (m)");
  spec.Number("length_high", &length_high, 0.01, 100, "longest pole half-length (m)");
  spec.Number("mass_low", &mass_low, 0.001, 1000, "lightest pole (kg)");
  spec.Number("mass_high", &mass_high, 0.001, 1000, "heaviest pole (kg)");
  RequireRange("CartPole", "pole length", length_low, length_high);
  RequireRange("CartPole", "pole mass", mass_low, mass_high);
  return [=]() -> std::unique_ptr<EnvFamily> {
    return std::make_unique<FunctionFamily>([=](core::Rng& rng) {
      const double length = Uniform(rng, length_low, length_high), mass = Uniform(rng, mass_low, mass_high);
      return "CartPole-v1(pole_length=" + Number(length) + ",pole_mass=" + Number(mass) + ")";
    });
  };
});
PMLAB_REGISTER(EnvFamilies(), "BipedalWalkerVelocity", "BipedalWalkerVelocity-v0 with the target speed uniform in [low, high] (MAML's goal-velocity locomotion)", [](Spec& spec) {
  double low = 0.5, high = 3;
  spec.Number("velocity_low", &low, -10, 10, "slowest target speed (m/s)");
  spec.Number("velocity_high", &high, -10, 10, "fastest target speed (m/s)");
  RequireRange("BipedalWalkerVelocity", "target speed", low, high);
  return [=]() -> std::unique_ptr<EnvFamily> {
    return std::make_unique<FunctionFamily>([=](core::Rng& rng) {
      return "BipedalWalkerVelocity-v0(target_velocity=" + Number(Uniform(rng, low, high)) + ")";
    });
  };
});
PMLAB_REGISTER(EnvFamilies(), "TabularMdp", "TabularMdp-v0 with its tables drawn per task: the family whose meta-gradient is exact", [](Spec& spec) {
  std::int64_t states = 2, actions = 2, horizon = 3, mdp = -1;
  spec.Integer("states", &states, 1, 64, "S: states");
  spec.Integer("actions", &actions, 2, 64, "A: actions");
  spec.Integer("horizon", &horizon, 1, 1000, "H: steps of every episode");
  spec.Integer("mdp", &mdp, -1, std::int64_t{1} << 53, "the seed of every task's tables; -1 = a new MDP per task");
  return [=]() -> std::unique_ptr<EnvFamily> {
    return std::make_unique<FunctionFamily>([=](core::Rng& rng) {
      const std::int64_t tables = mdp >= 0 ? mdp : static_cast<std::int64_t>(rng.NextU64() >> 11);
      return "TabularMdp-v0(states=" + std::to_string(states) + ",actions=" + std::to_string(actions) + ",horizon=" +
             std::to_string(horizon) + ",mdp=" + std::to_string(tables) + ")";
    });
  };
});

}  // namespace

EnvFamilyRegistry& EnvFamilies() {
  static EnvFamilyRegistry registry("env-family", "Environment families: a new task every episode", "meta --task, rl --env");
  return registry;
}

std::unique_ptr<EnvFamily> MakeEnvFamily(const std::string& spec) { return EnvFamilies().Make(spec); }

std::vector<ComponentInfo> RegisteredEnvFamilies() { return EnvFamilies().List(); }

}  // namespace pmlab::envs
