#include <iostream>

#include "envs/registry.h"
#include "runners/commands.h"

namespace pmlab::runners {

CLI::App* AddEnvsCommand(CLI::App& app, EnvsConfig& c) {
  CLI::App* cmd = app.add_subcommand("envs", "List the registered environments with their spaces, parameters and defaults");
  cmd->add_flag("--families", c.families, "List the task families for meta-RL instead");
  cmd->footer(
      "An environment is named by a spec such as LunarLander-v3 or\n"
      "LunarLander-v3(continuous=true,gravity=-8,enable_wind=true,wind_power=15);\n"
      "every environment also takes max_episode_steps=N to replace its time limit. A task family,\n"
      "such as LunarLander(enable_wind=true), draws tasks as such specs.");
  return cmd;
}

namespace {

void PrintParameters(const std::vector<envs::ParameterInfo>& parameters) {
  for (const envs::ParameterInfo& p : parameters) {
    const std::string assignment = p.name + "=" + p.default_value;
    std::cout << "  " << assignment << std::string(assignment.size() < 24 ? 25 - assignment.size() : 1, ' ') << p.help << "\n";
  }
}

}  // namespace

int RunEnvsCommand(const EnvsConfig& c) {
  if (c.families) {
    for (const envs::EnvFamilyInfo& f : envs::RegisteredEnvFamilies()) {
      std::cout << f.name << "  " << f.summary << "\n";
      PrintParameters(f.parameters);
      std::cout << "\n";
    }
    return 0;
  }
  for (const envs::EnvironmentInfo& e : envs::RegisteredEnvironments()) {
    std::cout << e.name << "  " << e.summary << "\n"
              << "  observation  " << e.observation_space.ToString()
              << (e.observation_space.nominal ? "  (nominal bounds, as Gymnasium declares them)" : "") << "\n"
              << "  action       " << e.action_space.ToString() << "\n"
              << "  time limit   " << e.time_limit << " steps\n";
    PrintParameters(e.parameters);
    std::cout << "\n";
  }
  return 0;
}

}  // namespace pmlab::runners
