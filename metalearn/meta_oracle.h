#pragma once
// The worker oracle of meta-learning: each logical worker draws its share of the meta-batch
// from its own stream, computes the chosen meta-gradient for every task, and returns their
// mean. It plugs into the same worker pool, transforms and momentum server as `train`.
#include <memory>

#include <tbb/enumerable_thread_specific.h>

#include "core/opt/gradient_oracle.h"
#include "metalearn/meta_gradient.h"
#include "metalearn/task_family.h"

namespace pmlab::metalearn {

class MetaOracle final : public core::GradientOracle {
 public:
  /// Each worker averages `tasks_per_worker` tasks of `family`.
  MetaOracle(std::shared_ptr<const TaskFamily> family, core::MlpShape shape, InnerLoopOptions inner, MetaAlgorithm algorithm,
             int tasks_per_worker);

  core::Index Dimension() const override { return dimension_; }
  core::OracleResult Estimate(int worker, const core::Vector& x, core::Rng& rng, Eigen::Ref<core::Vector> gradient) override;

 private:
  struct Scratch {
    Scratch(const core::MlpShape& shape, core::LossHead head, InnerLoopOptions inner, MetaAlgorithm algorithm)
        : estimator(shape, head, inner, algorithm), one(MetaGradient<float>::Dimension(shape, algorithm)) {}
    MetaGradient<float> estimator;
    TaskBatch<float> task;
    core::Vector one;
  };

  std::shared_ptr<const TaskFamily> family_;
  core::MlpShape shape_;
  core::Index dimension_;
  int tasks_per_worker_;
  tbb::enumerable_thread_specific<Scratch> scratch_;
};

}  // namespace pmlab::metalearn
