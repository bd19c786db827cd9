#pragma once
// What other run kinds read from an rl run: `pmlab eval` of a meta-RL run adapts from an rl
// run's policy (--against), as from a multi-task pretrained one.
#include <optional>

#include "core/run/run_checkpoint.h"
#include "core/run/run_session.h"
#include "rl/rl_experiment.h"

namespace pmlab::runners {

/// The policy `checkpoint` trained, if `kind` is the rl run kind; nothing for other kinds.
std::optional<rl::TrainedPolicy> RlTrainedPolicy(core::RunKindId kind, const core::RunCheckpoint& checkpoint);

}  // namespace pmlab::runners
