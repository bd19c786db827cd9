#pragma once
// Labelled image sets in the IDX format of MNIST and Fashion-MNIST (optionally gzip'd), as
// shipped by Debian's dataset-fashion-mnist in /usr/share/datasets/fashion-mnist. Pixels stay
// as bytes (a quarter of the memory of floats); consumers normalise when they gather a batch.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/opt/types.h"

namespace pmlab::core {

/// Labelled images, pixels scaled to [0, 1], one image per column.
struct ImageDataset {
  int rows = 0;  ///< image height in pixels
  int cols = 0;  ///< image width in pixels
  int classes = 0;                    ///< 1 + the largest label
  std::vector<std::uint8_t> pixels;   ///< image j occupies [j * rows * cols, (j + 1) * rows * cols)
  std::vector<std::uint8_t> labels;   ///< one per image

  /// Number of images.
  Index size() const { return static_cast<Index>(labels.size()); }
  /// Pixels per image.
  int features() const { return rows * cols; }
};

/// Reads an IDX3 image file and its IDX1 label file; validates magic numbers, dimensions,
/// counts and lengths. Throws std::runtime_error naming the file and the problem.
ImageDataset LoadIdx(const std::filesystem::path& images, const std::filesystem::path& labels);

/// The standard split names "train" or "t10k" in `dir`: {split}-images-idx3-ubyte[.gz] etc.
ImageDataset LoadMnistSplit(const std::filesystem::path& dir, const std::string& split);

/// Default location of Debian's dataset-fashion-mnist.
inline const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

}  // namespace pmlab::core
