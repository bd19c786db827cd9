#pragma once
// A distribution over tasks. A task is described by a few numbers (a sine's amplitude and
// phase, a regression's weights, a few-shot problem's classes); its labelled points are drawn
// separately, so that the same task can be sampled at the sizes of a meta-gradient estimator
// and of the large reference its bias is measured against. All randomness comes from the
// caller's stream (a worker's), so sampling is deterministic whatever thread runs it.
#include <Eigen/Dense>

#include "core/nn/mlp.h"
#include "core/opt/rng.h"
#include "metalearn/meta_gradient.h"

namespace pmlab::metalearn {

/// Points per task drawn for each part of an estimate (per class for classification).
struct TaskSizes {
  int support = 10;  ///< K: the inner gradient's sample (>= 1)
  int query = 10;    ///< the outer gradient's sample (>= 1)
  int hessian = 0;   ///< a separate sample for MAML's Hessian terms; 0 = reuse the support set
};

/// A distribution over tasks (see the file comment).
class TaskFamily {
 public:
  /// Throws std::invalid_argument unless support, query >= 1 and hessian >= 0.
  explicit TaskFamily(TaskSizes sizes);
  virtual ~TaskFamily() = default;

  /// Inputs of a point.
  virtual int Inputs() const = 0;
  /// Outputs of a point.
  virtual int Outputs() const = 0;
  /// The loss: regression or classification.
  virtual core::LossHead Head() const = 0;

  /// Draws a task's description into `task`.
  virtual void DrawTask(core::Rng& rng, Eigen::VectorXd& task) const = 0;
  /// Draws `count` labelled points of `task` (per class for classification) as columns.
  virtual void DrawPoints(const Eigen::VectorXd& task, int count, core::Rng& rng, core::Matrix& inputs,
                          core::Matrix& targets) const = 0;
  /// Points standing for the task's whole distribution when a reference gradient is computed:
  /// by default `count` drawn points; families that can do better (an exact design) override.
  virtual void DrawReferencePoints(const Eigen::VectorXd& task, int count, core::Rng& rng, core::Matrix& inputs,
                                   core::Matrix& targets) const;

  /// Draws a task (kept in batch.task) and its support, query and optional Hessian sets.
  void Sample(core::Rng& rng, TaskBatch<float>& batch) const;

 private:
  TaskSizes sizes_;
};

}  // namespace pmlab::metalearn
