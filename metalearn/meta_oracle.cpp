#include "metalearn/meta_oracle.h"

#include <stdexcept>

namespace pmlab::metalearn {

MetaOracle::MetaOracle(std::shared_ptr<const TaskFamily> family, core::MlpShape shape, InnerLoopOptions inner, MetaAlgorithm algorithm,
                       int tasks_per_worker)
    : family_(std::move(family)),
      shape_(std::move(shape)),
      dimension_(MetaGradient<float>::Dimension(shape_, algorithm)),
      tasks_per_worker_(tasks_per_worker),
      scratch_(shape_, family_->Head(), inner, algorithm) {
  if (shape_.Inputs() != family_->Inputs() || shape_.Outputs() != family_->Outputs())
    throw std::invalid_argument("the MLP's input and output widths must match the task family");
  if (tasks_per_worker < 1) throw std::invalid_argument("each worker needs at least one task per round");
}

core::OracleResult MetaOracle::Estimate(int /*worker*/, const core::Vector& x, core::Rng& rng, Eigen::Ref<core::Vector> gradient) {
  Scratch& s = scratch_.local();
  gradient.setZero();
  double loss = 0;
  for (int t = 0; t < tasks_per_worker_; ++t) {
    family_->Sample(rng, s.task);
    loss += s.estimator.Estimate(x, s.task, s.one);
    gradient += s.one;
  }
  gradient /= static_cast<float>(tasks_per_worker_);
  return {loss / tasks_per_worker_};
}

}  // namespace pmlab::metalearn
