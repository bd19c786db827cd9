#include "supervised/data_fingerprint.h"

#include "core/io/checkpoint_file.h"

namespace pmlab::supervised {

core::DataFingerprint FingerprintOf(const core::ImageDataset& data) {
  return {data.size(), data.features(), data.classes, core::Crc32(data.labels.data(), data.labels.size())};
}

}  // namespace pmlab::supervised
