#include <cereal/archives/json.hpp>
#include <cereal/types/vector.hpp>

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>

#include "core/run_directory.h"
#include "runners/commands.h"

namespace pmlab::runners {
namespace {

int EvalTrain(const EvalConfig& e, const std::filesystem::path& checkpoint, const core::RunCheckpoint& ck) {
  supervised::TrainConfig config = ParseTrainConfig(ck.config_toml);
  if (!e.data_dir.empty()) config.data_dir = e.data_dir;
  const core::RestoredRun run = core::RestoreRun(config, ck, supervised::TrainProblem(config));
  const core::Evaluation r = run.problem.evaluate(run.x);
  if (e.json) {
    {
      cereal::JSONOutputArchive ar(std::cout);
      ar(cereal::make_nvp("checkpoint", checkpoint.string()), cereal::make_nvp("iteration", run.iteration),
         cereal::make_nvp("problem", config.problem), cereal::make_nvp("test_loss", r.loss));
      if (r.accuracy) ar(cereal::make_nvp("test_accuracy", *r.accuracy));
    }
    std::cout << "\n";
    return 0;
  }
  std::cout << "round " << run.iteration << ": test_loss " << std::setprecision(6) << r.loss;
  if (r.accuracy) std::cout << "  test_accuracy " << std::fixed << std::setprecision(2) << 100 * *r.accuracy << "%";
  if (config.problem == "quadratic") std::cout << " (suboptimality f(x) - f*)";
  std::cout << "  [" << checkpoint.string() << "]\n";
  return 0;
}

int EvalMeta(const EvalConfig& e, const std::filesystem::path& checkpoint, const core::RunCheckpoint& ck) {
  metalearn::MetaConfig config = ParseMetaConfig(ck.config_toml);
  if (!e.data_dir.empty()) config.data_dir = e.data_dir;
  const int steps = e.steps >= 0 ? e.steps : config.inner_steps;
  const metalearn::MetaTestResult run = metalearn::MetaTestCheckpoint(config, ck, e.tasks, steps);
  const metalearn::HeldOutCurve& c = run.curve;
  if (e.json) {
    {
      cereal::JSONOutputArchive ar(std::cout);
      ar(cereal::make_nvp("checkpoint", checkpoint.string()), cereal::make_nvp("iteration", run.iteration),
         cereal::make_nvp("task", config.task), cereal::make_nvp("algo", config.algo), cereal::make_nvp("tasks", c.tasks),
         cereal::make_nvp("shots", config.shots), cereal::make_nvp("inner_lr", config.inner_lr),
         cereal::make_nvp("loss", c.loss), cereal::make_nvp("loss_ci95", c.loss_ci95));
      if (!c.accuracy.empty()) ar(cereal::make_nvp("accuracy", c.accuracy), cereal::make_nvp("accuracy_ci95", c.accuracy_ci95));
    }
    std::cout << "\n";
    return 0;
  }
  std::printf("%s after %lld meta-iterations: %d held-out tasks, %d shots, inner lr %g (%s)\n", config.task.c_str(),
              static_cast<long long>(run.iteration), c.tasks, config.shots, config.inner_lr, config.algo.c_str());
  std::printf("%5s  %12s  %10s", "steps", "query_loss", "ci95");
  if (!c.accuracy.empty()) std::printf("  %9s  %8s", "accuracy", "ci95");
  std::printf("\n");
  for (std::size_t j = 0; j < c.loss.size(); ++j) {
    std::printf("%5zu  %12.4f  %10.4f", j, c.loss[j], c.loss_ci95[j]);
    if (!c.accuracy.empty()) std::printf("  %8.2f%%  %7.2f%%", 100 * c.accuracy[j], 100 * c.accuracy_ci95[j]);
    std::printf("\n");
  }
  return 0;
}

}  // namespace

CLI::App* AddEvalCommand(CLI::App& app, EvalConfig& c) {
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a checkpoint on held-out data (never modifies the run)");
  cmd->add_option("target", c.target, "Run folder (uses its newest checkpoint) or a checkpoint file")->required();
  cmd->add_option("--data-dir", c.data_dir, "Read the data from here instead of the run's --data-dir");
  cmd->add_option("--tasks", c.tasks, "Meta runs: held-out tasks to adapt to")->capture_default_str()->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--steps", c.steps, "Meta runs: report the query loss after 0..STEPS adaptation steps (default: the run's --inner-steps)")
      ->check(CLI::Range(0, 100000));
  cmd->add_flag("--json", c.json, "Print one JSON object instead of text");
  cmd->footer(
      "Train runs: test loss and accuracy. Meta runs: mean held-out query loss (and accuracy for\n"
      "fmnist-fewshot) after each number of adaptation steps, with 95% confidence half-widths.");
  return cmd;
}

int RunEvalCommand(const EvalConfig& e) {
  const std::filesystem::path checkpoint = core::ResolveCheckpoint(e.target);
  const core::RunCheckpoint ck = core::LoadRunCheckpoint(checkpoint);
  switch (ck.kind) {
    case core::RunKind::kTrain:
      return EvalTrain(e, checkpoint, ck);
    case core::RunKind::kMeta:
      return EvalMeta(e, checkpoint, ck);
    default:
      throw std::runtime_error("checkpoint '" + checkpoint.string() + "' belongs to a " + core::ToString(ck.kind) +
                               " run, which this build cannot evaluate");
  }
}

}  // namespace pmlab::runners
