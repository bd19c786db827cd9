#include "supervised/classification_oracle.h"

#include <stdexcept>

#include "core/opt/sampling.h"
#include "supervised/image_batch.h"

namespace pmlab::supervised {

ClassificationOracle::ClassificationOracle(std::shared_ptr<const core::ImageDataset> data, Shards shards, core::MlpShape shape,
                                           core::Index batch)
    : data_(std::move(data)), shards_(std::move(shards)), shape_(std::move(shape)), batch_(batch), scratch_(shape_) {
  if (shape_.Inputs() != data_->features() || shape_.Outputs() != data_->classes)
    throw std::invalid_argument("the MLP's input and output widths must match the data (" +
                                std::to_string(data_->features()) + " features, " + std::to_string(data_->classes) + " classes)");
  for (int w = 0; w < shards_.workers(); ++w)
    if (batch_ > static_cast<core::Index>(shards_.Of(w).size()))
      throw std::invalid_argument("batch " + std::to_string(batch_) + " exceeds worker " + std::to_string(w) +
                                  "'s shard of " + std::to_string(shards_.Of(w).size()) + " examples");
}

void ClassificationOracle::BeginStep(std::int64_t /*iteration*/, int /*step*/, const core::Vector& x) {
  // Every worker multiplies the same weights by its batch: packed here once instead of by each
  // worker's products (a worker whose batch width is blocked differently packs its own).
  const auto columns = batch_ > 0 ? batch_ : static_cast<core::Index>(shards_.Of(0).size());
  scratch_.local().mlp.Pack(x, columns, packed_);
}

core::OracleResult ClassificationOracle::Estimate(int worker, const core::Vector& x, core::Rng& rng,
                                                  Eigen::Ref<core::Vector> gradient) {
  Scratch& s = scratch_.local();
  const auto shard = shards_.Of(worker);
  if (batch_ == 0) {
    GatherImages(*data_, shard, s.inputs, s.targets);
  } else {
    s.picked.clear();
    core::SelectionSample(static_cast<core::Index>(shard.size()), batch_, rng, [&](core::Index i, bool picked) {
      if (picked) s.picked.push_back(shard[i]);
    });
    GatherImages(*data_, s.picked, s.inputs, s.targets);
  }
  const core::PackedWeights<float>* packed = packed_.params == x.data() ? &packed_ : nullptr;
  return {static_cast<double>(s.mlp.LossAndGradient(x, s.inputs, s.targets, gradient, packed))};
}

}  // namespace pmlab::supervised
