#pragma once
// Environments by name, with parameters, built from one string:
//   "LunarLander-v3"   "LunarLander-v3(continuous=true,gravity=-8,enable_wind=true,wind_power=15)"
// Each environment registers itself in its own file (core/registry/registry.h); its binder reads
// its parameters into its options struct, which also lists them with their defaults (`pmlab
// envs`). Every environment also takes Gymnasium's max_episode_steps, which replaces its time
// limit, and a task family's name is accepted wherever an environment is.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/opt/rng.h"
#include "core/registry/registry.h"
#include "envs/environment.h"

namespace pmlab::envs {

/// What `pmlab envs` lists of one environment.
struct EnvironmentInfo {
  std::string name;  ///< as written in specs
  std::string summary;  ///< one line
  std::vector<ParameterInfo> parameters;  ///< with their defaults
  Space observation_space;  ///< with the default parameters
  Space action_space;       ///< with the default parameters
  int time_limit = 0;  ///< steps per episode at most
};

/// A distribution over tasks for meta-RL: each draw is a spec of one environment with its
/// task parameters (a goal, a gravity), so a task is printable and rebuilt exactly.
class EnvFamily {
 public:
  virtual ~EnvFamily() = default;
  /// Draws a task from `rng` (the family's own stream) as an environment spec.
  virtual std::string SampleTask(core::Rng& rng) const = 0;
};

/// The environments, by name: each environment's file registers it with
/// PMLAB_REGISTER(pmlab::envs::Environments(), ...); the builder takes the instance number.
using EnvironmentRegistry = Registry<std::unique_ptr<Environment>(std::uint64_t instance)>;
EnvironmentRegistry& Environments();

/// The task families of meta-RL (and of multi-task `rl --env FAMILY`), by name.
using EnvFamilyRegistry = Registry<std::unique_ptr<EnvFamily>()>;
EnvFamilyRegistry& EnvFamilies();

/// Builds a family from "Name" or "Name(key=value,...)", as MakeEnvironment does.
std::unique_ptr<EnvFamily> MakeEnvFamily(const std::string& spec);

/// Every registered family, by name.
std::vector<ComponentInfo> RegisteredEnvFamilies();

/// Every registered environment, by name, with its spaces under the default parameters.
std::vector<EnvironmentInfo> RegisteredEnvironments();

/// Gymnasium's reward_threshold of the environment a spec names (Environment::solved_at).
std::optional<double> SolvedThreshold(const std::string& spec);

/// Builds the environment a spec names. Throws std::invalid_argument naming an unknown
/// environment, an unknown parameter or a bad value, and what is allowed.
std::unique_ptr<Environment> MakeEnvironment(const std::string& spec, std::uint64_t instance = 0);

}  // namespace pmlab::envs
