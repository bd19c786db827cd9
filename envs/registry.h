#pragma once
// Environments by name, with parameters, built from one string:
//   "LunarLander-v3"   "LunarLander-v3(continuous=true,gravity=-8,enable_wind=true,wind_power=15)"
// Each environment binds its parameters to its options struct once; the same binding parses a
// spec and lists the parameters with their defaults (`pmlab envs`). Every environment also takes
// Gymnasium's max_episode_steps, which replaces its time limit.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/opt/rng.h"
#include "envs/environment.h"

namespace pmlab::envs {

struct ParameterInfo {
  std::string name;
  std::string default_value;  ///< as it would be written in a spec
  std::string help;
};

struct EnvironmentInfo {
  std::string name;
  std::string summary;
  std::vector<ParameterInfo> parameters;
  Space observation_space, action_space;  ///< with the default parameters
  int time_limit = 0;
};

/// A distribution over tasks for meta-RL: each draw is a spec of one environment with its
/// task parameters (a goal, a gravity), so a task is printable and rebuilt exactly.
class EnvFamily {
 public:
  virtual ~EnvFamily() = default;
  /// Draws a task from `rng` (the family's own stream) as an environment spec.
  virtual std::string SampleTask(core::Rng& rng) const = 0;
};

struct EnvFamilyInfo {
  std::string name;
  std::string summary;
  std::vector<ParameterInfo> parameters;
};

/// Builds a family from "Name" or "Name(key=value,...)", as MakeEnvironment does.
std::unique_ptr<EnvFamily> MakeEnvFamily(const std::string& spec);

/// Every registered family, in the order `pmlab envs --families` lists them.
std::vector<EnvFamilyInfo> RegisteredEnvFamilies();

/// Every registered environment, in the order `pmlab envs` lists them.
std::vector<EnvironmentInfo> RegisteredEnvironments();

/// Gymnasium's reward_threshold of the environment a spec names: the mean return at which it
/// counts as solved (475 CartPole, 200 LunarLander, 300 BipedalWalker), or none.
std::optional<double> SolvedThreshold(const std::string& spec);

/// Builds the environment a spec names. Throws std::invalid_argument naming an unknown
/// environment, an unknown parameter or a bad value, and what is allowed.
std::unique_ptr<Environment> MakeEnvironment(const std::string& spec, std::uint64_t instance = 0);

}  // namespace pmlab::envs
