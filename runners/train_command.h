#pragma once
// `pmlab train`: flags and config file -> supervised::TrainConfig -> supervised::RunTrain.
#include <CLI/CLI.hpp>

#include "supervised/train_experiment.h"

namespace pmlab::runners {

/// Adds the subcommand; the parsed values land in `config`.
CLI::App* AddTrainCommand(CLI::App& app, supervised::TrainConfig& config);

/// Runs a parsed train subcommand; returns the process exit code.
int RunTrainCommand(const CLI::App& command, supervised::TrainConfig& config);

}  // namespace pmlab::runners
