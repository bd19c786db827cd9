#pragma once
// The worker oracle of the paper's supervised experiment: worker i's gradient of the mean
// cross-entropy of an MLP over its own shard; the full shard per round (the paper) or a
// minibatch drawn without replacement with the worker's stream.
#include <cstdint>
#include <memory>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "core/opt/gradient_oracle.h"
#include "core/nn/image_dataset.h"
#include "core/nn/mlp.h"
#include "supervised/shards.h"

namespace pmlab::supervised {

class ClassificationOracle final : public core::GradientOracle {
 public:
  /// `batch` = 0 takes each worker's whole shard every round.
  ClassificationOracle(std::shared_ptr<const core::ImageDataset> data, Shards shards, core::MlpShape shape, core::Index batch);

  core::Index Dimension() const override { return shape_.ParameterCount(); }
  /// Packs the network's weights at x once for the round's workers (core::PackedWeights).
  void BeginStep(std::int64_t iteration, int step, const core::Vector& x) override;
  /// Reads the weights BeginStep packed when x is the vector it was given.
  core::OracleResult Estimate(int worker, const core::Vector& x, core::Rng& rng,
                              Eigen::Ref<core::Vector> gradient) override;

 private:
  struct Scratch {
    explicit Scratch(const core::MlpShape& shape) : mlp(shape, core::LossHead::kSoftmaxCrossEntropy) {}
    core::Mlp<float> mlp;
    core::Matrix inputs, targets;
    std::vector<std::int32_t> picked;
  };

  std::shared_ptr<const core::ImageDataset> data_;
  Shards shards_;
  core::MlpShape shape_;
  core::Index batch_;
  tbb::enumerable_thread_specific<Scratch> scratch_;
  core::PackedWeights<float> packed_;  // at the x of the last BeginStep, for worker 0's batch width
};

}  // namespace pmlab::supervised
