#pragma once
// Gathers images into the column-per-sample float batch the MLP reads, normalised as in the
// paper's torchvision pipeline: (x / 255 - 0.5) / 0.5, and one-hot label columns.
#include <cstdint>
#include <span>

#include "core/nn/image_dataset.h"
#include "core/opt/types.h"

namespace pmlab::supervised {

/// Image `image` of `data`, normalised, into `column` (data.features() floats).
void NormalizeImage(const core::ImageDataset& data, core::Index image, float* column);

void GatherImages(const core::ImageDataset& data, std::span<const std::int32_t> indices, core::Matrix& inputs,
                  core::Matrix& targets);

/// The same for the contiguous range [begin, begin + count).
void GatherImageRange(const core::ImageDataset& data, core::Index begin, core::Index count, core::Matrix& inputs,
                      core::Matrix& targets);

}  // namespace pmlab::supervised
