#include "core/run/run_directory.h"
#include "runners/commands.h"

namespace pmlab::runners {

CLI::App* AddEvalCommand(CLI::App& app, EvalCommand& c) {
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a checkpoint (never modifies the run)");
  cmd->add_option("target", c.request.target, "Run folder (uses its newest checkpoint) or a checkpoint file")->required();
  cmd->add_flag("--json", c.request.json, "Print one JSON object instead of text");
  c.flags = std::make_unique<EvalFlags>(cmd);
  for (RunKind* kind : RunKinds()) kind->AddEvalFlags(*c.flags);
  cmd->footer(
      "Train runs: test loss and accuracy. Meta runs: mean held-out query loss (and accuracy for\n"
      "fmnist-fewshot) after each number of adaptation steps, with 95% confidence half-widths.\n"
      "RL runs: whole episodes to the time limit; mean, std, min and max return, mean length and the\n"
      "fraction at or above the environment's solved threshold.\n"
      "Flags of another kind's group are ignored.");
  return cmd;
}

int RunEvalCommand(const EvalCommand& c) {
  const TargetCheckpoint t = OpenTargetCheckpoint(c.request.target);
  return t.kind->Evaluate(c.request, t.record, t.file);
}

}  // namespace pmlab::runners
