#include "core/run/run_options.h"

#include <stdexcept>
#include <string>

#include "core/opt/flag_context.h"

namespace pmlab::core {

void RunOptions::Validate() const {
  Require(workers >= 1, "--workers: must be at least 1");
  Require(iters >= 1, "--iters: must be at least 1");
  Require(eval_every >= 0, "--eval-every: must be >= 0 (0 = never)");
  Require(checkpoint_every >= 0, "--checkpoint-every: must be >= 0 (0 = only at the end)");
  Require(keep_checkpoints >= 1, "--keep-checkpoints: must be at least 1");
  Require(threads >= 0, "--threads: must be >= 0 (0 = all cores)");
  momentum.Validate();
}

void RunOptions::ExtendTo(std::int64_t new_iters) {
  if (new_iters != iters && momentum.schedule.DependsOnLength())
    throw std::invalid_argument("--iters: this run's --schedule " + momentum.schedule.Spec() + " spreads its step sizes over " +
                                std::to_string(iters) + " iterations, so it cannot be resumed to " + std::to_string(new_iters) +
                                " without changing steps already planned; start a new run with --iters " + std::to_string(new_iters) +
                                ", or use --schedule constant or step:EVERY:FACTOR for runs you intend to extend");
  iters = new_iters;
}

}  // namespace pmlab::core
