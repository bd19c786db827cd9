#pragma once
// How the training set is split over the logical workers. The paper gives each of its 100
// workers a fixed contiguous shard of 600 images; iid and label-sorted (non-iid) splits are
// the two standard alternatives. Shard sizes differ by at most one image.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/opt/types.h"

namespace pmlab::supervised {

enum class ShardMode {
  kContiguous,   ///< images [i N/n, (i+1) N/n) in file order (the paper)
  kIid,          ///< the same after one shuffle with the run seed
  kLabelSorted,  ///< sorted by label first: each worker sees one or two classes
};

/// Parses contiguous | iid | label-sorted; throws std::invalid_argument naming what is allowed.
ShardMode ParseShardMode(std::string_view spec);
std::string ToString(ShardMode mode);

class Shards {
 public:
  Shards(const std::vector<std::uint8_t>& labels, int workers, ShardMode mode, std::uint64_t seed);

  int workers() const { return static_cast<int>(begin_.size()) - 1; }
  /// Indices of worker w's examples.
  std::span<const std::int32_t> Of(int w) const {
    return {order_.data() + begin_[w], static_cast<std::size_t>(begin_[w + 1] - begin_[w])};
  }

 private:
  std::vector<std::int32_t> order_;
  std::vector<core::Index> begin_;
};

}  // namespace pmlab::supervised
