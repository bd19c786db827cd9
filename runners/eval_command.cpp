#include <cereal/archives/json.hpp>

#include <cmath>
#include <iomanip>
#include <iostream>

#include "core/run_directory.h"
#include "runners/commands.h"
#include "supervised/train_checkpoint.h"

namespace pmlab::runners {

CLI::App* AddEvalCommand(CLI::App& app, EvalConfig& c) {
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a checkpoint on the test set (never modifies the run)");
  cmd->add_option("target", c.target, "Run folder (uses its newest checkpoint) or a checkpoint file")->required();
  cmd->add_option("--data-dir", c.data_dir, "Read the data from here instead of the run's --data-dir");
  cmd->add_flag("--json", c.json, "Print one JSON object instead of a line of text");
  return cmd;
}

int RunEvalCommand(const EvalConfig& e) {
  const std::filesystem::path checkpoint = core::ResolveCheckpoint(e.target);
  const supervised::TrainCheckpoint ck = supervised::LoadTrainCheckpoint(checkpoint);
  supervised::TrainConfig config = ParseTrainConfig(ck.config_toml);
  if (!e.data_dir.empty()) config.data_dir = e.data_dir;
  config.quiet = true;
  const supervised::CheckpointEvaluation r = supervised::EvaluateTrainCheckpoint(config, ck);
  if (e.json) {
    {
      cereal::JSONOutputArchive ar(std::cout);
      ar(cereal::make_nvp("checkpoint", checkpoint.string()), cereal::make_nvp("iteration", r.iteration),
         cereal::make_nvp("problem", config.problem), cereal::make_nvp("test_loss", r.loss));
      if (r.accuracy) ar(cereal::make_nvp("test_accuracy", *r.accuracy));
    }
    std::cout << "\n";
    return 0;
  }
  std::cout << "round " << r.iteration << ": test_loss " << std::setprecision(6) << r.loss;
  if (r.accuracy) std::cout << "  test_accuracy " << std::fixed << std::setprecision(2) << 100 * *r.accuracy << "%";
  if (config.problem == "quadratic") std::cout << " (suboptimality f(x) - f*)";
  std::cout << "  [" << checkpoint.string() << "]\n";
  return 0;
}

}  // namespace pmlab::runners
