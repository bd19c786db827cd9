#include "supervised/image_batch.h"

namespace pmlab::supervised {
namespace {

template <typename IndexOf>
void Gather(const core::ImageDataset& data, core::Index count, IndexOf index_of, core::Matrix& inputs,
            core::Matrix& targets) {
  const int features = data.features();
  inputs.resize(features, count);
  targets.setZero(data.classes, count);
  for (core::Index j = 0; j < count; ++j) {
    const core::Index image = index_of(j);
    NormalizeImage(data, image, inputs.col(j).data());
    targets(data.labels[image], j) = 1.0f;
  }
}

}  // namespace

void NormalizeImage(const core::ImageDataset& data, core::Index image, float* column) {
  const int features = data.features();
  const std::uint8_t* pixels = data.pixels.data() + image * features;
  for (int f = 0; f < features; ++f) column[f] = static_cast<float>(pixels[f]) * (2.0f / 255.0f) - 1.0f;
}

void GatherImages(const core::ImageDataset& data, std::span<const std::int32_t> indices, core::Matrix& inputs,
                  core::Matrix& targets) {
  Gather(data, static_cast<core::Index>(indices.size()), [&](core::Index j) { return core::Index{indices[j]}; }, inputs,
         targets);
}

void GatherImageRange(const core::ImageDataset& data, core::Index begin, core::Index count, core::Matrix& inputs,
                      core::Matrix& targets) {
  Gather(data, count, [&](core::Index j) { return begin + j; }, inputs, targets);
}

}  // namespace pmlab::supervised
