#include <iostream>

#include "envs/registry.h"
#include "runners/commands.h"

namespace pmlab::runners {

CLI::App* AddEnvsCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("envs", "List the registered environments with their spaces, parameters and defaults");
  cmd->footer(
      "An environment is named by a spec such as LunarLander-v3 or\n"
      "LunarLander-v3(continuous=true,gravity=-8,enable_wind=true,wind_power=15);\n"
      "every environment also takes max_episode_steps=N to replace its time limit.");
  return cmd;
}

int RunEnvsCommand() {
  for (const envs::EnvironmentInfo& e : envs::RegisteredEnvironments()) {
    std::cout << e.name << "  " << e.summary << "\n"
              << "  observation  " << e.observation_space.ToString() << "\n"
              << "  action       " << e.action_space.ToString() << "\n"
              << "  time limit   " << e.time_limit << " steps\n";
    for (const envs::ParameterInfo& p : e.parameters)
      std::cout << "  " << p.name << "=" << p.default_value << std::string(p.name.size() + p.default_value.size() < 24 ? 24 - p.name.size() - p.default_value.size() : 1, ' ')
                << p.help << "\n";
    std::cout << "\n";
  }
  return 0;
}

}  // namespace pmlab::runners
