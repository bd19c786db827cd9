#include "metalearn/task_family.h"

#include <stdexcept>

namespace pmlab::metalearn {

TaskFamily::TaskFamily(TaskSizes sizes) : sizes_(sizes) {
  if (sizes.support < 1) throw std::invalid_argument("tasks need at least one support point (K >= 1)");
  if (sizes.query < 1) throw std::invalid_argument("tasks need at least one query point");
  if (sizes.hessian < 0) throw std::invalid_argument("the Hessian sample size must be >= 0 (0 = the support set)");
}

void TaskFamily::DrawReferencePoints(const Eigen::VectorXd& task, int count, core::Rng& rng, core::Matrix& inputs,
                                     core::Matrix& targets) const {
  DrawPoints(task, count, rng, inputs, targets);
}

void TaskFamily::Sample(core::Rng& rng, TaskBatch<float>& batch) const {
  DrawTask(rng, batch.task);
  DrawPoints(batch.task, sizes_.support, rng, batch.support_inputs, batch.support_targets);
  DrawPoints(batch.task, sizes_.query, rng, batch.query_inputs, batch.query_targets);
  if (sizes_.hessian > 0) {
    DrawPoints(batch.task, sizes_.hessian, rng, batch.hessian_inputs, batch.hessian_targets);
  } else {
    batch.hessian_inputs.resize(0, 0);
    batch.hessian_targets.resize(0, 0);
  }
}

}  // namespace pmlab::metalearn
