#pragma once
// A distribution over tasks: each draw is a task together with its support and query sets.
// All randomness comes from the caller's stream (a worker's), so sampling is deterministic
// whatever thread runs it.
#include "core/mlp.h"
#include "core/rng.h"
#include "metalearn/meta_gradient.h"

namespace pmlab::metalearn {

class TaskFamily {
 public:
  virtual ~TaskFamily() = default;
  virtual int Inputs() const = 0;
  virtual int Outputs() const = 0;
  virtual core::LossHead Head() const = 0;
  /// Draws a task and fills its support and query sets.
  virtual void Sample(core::Rng& rng, TaskBatch<float>& task) const = 0;
};

}  // namespace pmlab::metalearn
