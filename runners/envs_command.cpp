#include <filesystem>
#include <iostream>

#include "envs/image_file.h"
#include "envs/registry.h"
#include "runners/commands.h"
#include "runners/rl_presets.h"
#include "runners/run_flags.h"

namespace pmlab::runners {

CLI::App* AddEnvsCommand(CLI::App& app, EnvsConfig& c) {
  CLI::App* cmd = app.add_subcommand("envs", "List the registered environments with their spaces, parameters and defaults");
  cmd->add_flag("--families", c.families, "List the task families for meta-RL instead");
  cmd->add_option("--render", c.render, "Draw this environment spec after a reset instead of listing (needs --out)");
  cmd->add_option("--out", c.out, "With --render: FILE.png (the first frame) or FILE.gif (an episode of random actions)");
  cmd->add_option("--steps", c.steps, "With --render to a GIF: at most this many steps")->check(CLI::Range(1, 100000))->capture_default_str();
  AddSeed(cmd, "--seed", c.seed, "With --render: the episode's seed (and the random actions'), 0 to 2^64 - 1");
  cmd->footer(
      "An environment is named by a spec such as LunarLander-v3 or\n"
      "LunarLander-v3(continuous=true,gravity=-8,enable_wind=true,wind_power=15);\n"
      "every environment also takes max_episode_steps=N to replace its time limit. A task family,\n"
      "such as LunarLander(enable_wind=true), draws tasks as such specs.");
  return cmd;
}

// Draws an episode of uniformly random actions: the first frame to a PNG, or up to c.steps
// frames to a GIF.
int Render(const EnvsConfig& c) {
  if (c.out.empty()) throw std::invalid_argument("--render: name the image with --out FILE.png or FILE.gif");
  const std::string extension = std::filesystem::path(c.out).extension().string();
  if (extension != ".png" && extension != ".gif") throw std::invalid_argument("--out: '" + c.out + "' must end in .png or .gif");
  const auto env = envs::MakeEnvironment(c.render);
  env->Reset(c.seed);
  if (extension == ".png") {
    envs::WritePng(c.out, env->Render());
    std::cout << "wrote " << c.out << "\n";
    return 0;
  }
  core::Rng rng(c.seed, core::StreamKind::kData);
  const envs::Space& actions = env->action_space();
  std::vector<envs::Canvas> frames{env->Render()};
  Eigen::VectorXd a(actions.Dimension());
  double total = 0;
  for (int k = 0; k < c.steps && !env->episode_over(); ++k) {
    for (int i = 0; i < a.size(); ++i)
      a[i] = actions.IsDiscrete() ? static_cast<double>(rng.Below(actions.discrete)) : rng.Uniform(actions.low[i], actions.high[i]);
    total += env->Step(a).reward;
    frames.push_back(env->Render());
  }
  envs::WriteGif(c.out, frames);
  std::cout << "wrote " << c.out << ": " << frames.size() << " frames, return " << total << "\n";
  return 0;
}

int RunEnvsCommand(const EnvsConfig& c) {
  if (!c.render.empty()) return Render(c);
  if (c.families) {
    for (const ComponentInfo& f : envs::RegisteredEnvFamilies()) {
      std::cout << f.name << "  " << f.summary << "\n";
      std::cout << ParameterLines(f.parameters, "  ");
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
    if (FindRlPreset(e.name))
      std::cout << "  preset       pmlab rl --env " << e.name << " starts from tuned settings (pmlab rl --help lists them)\n";
    std::cout << ParameterLines(e.parameters, "  ");
    std::cout << "\n";
  }
  return 0;
}

}  // namespace pmlab::runners
