#pragma once
// The fingerprint a run keeps of the image data it trained on, so that a resume or an eval
// against other data (another --data-dir, a changed file) is refused instead of mixing the two.
#include "core/nn/image_dataset.h"
#include "core/run/run_checkpoint.h"

namespace pmlab::supervised {

/// Sizes and the CRC-32 of the labels of a loaded training set.
core::DataFingerprint FingerprintOf(const core::ImageDataset& data);

}  // namespace pmlab::supervised
