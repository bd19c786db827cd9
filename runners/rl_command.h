#pragma once
// What other run kinds read from an rl run: `pmlab eval` of a meta-RL run adapts from an rl
// run's policy (--against), as from a multi-task pretrained one.
#include <cstdint>
#include <optional>

#include "core/run/run_checkpoint.h"
#include "core/run/run_session.h"
#include "rl/rl_experiment.h"

namespace pmlab::runners {

/// The policy `checkpoint` trained, if `kind` is the rl run kind; nothing for other kinds.
std::optional<rl::TrainedPolicy> RlTrainedPolicy(core::RunKindId kind, const core::RunCheckpoint& checkpoint);

/// What `pmlab eval` reports of an rl checkpoint: `episodes` whole episodes from the streams of
/// `seed` (the run's own --seed when not given), with the policy's mode or sampled actions.
/// Nothing if `kind` is not the rl run kind.
std::optional<rl::RlEvaluation> EvaluateRlCheckpoint(core::RunKindId kind, const core::RunCheckpoint& checkpoint, int episodes,
                                                     std::optional<std::uint64_t> seed, bool deterministic);

}  // namespace pmlab::runners
