#include "supervised/shards.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "core/opt/rng.h"

namespace pmlab::supervised {

ShardMode ParseShardMode(std::string_view spec) {
  if (spec == "contiguous") return ShardMode::kContiguous;
  if (spec == "iid") return ShardMode::kIid;
  if (spec == "label-sorted") return ShardMode::kLabelSorted;
  throw std::invalid_argument("shard mode '" + std::string(spec) + "' is unknown (allowed: contiguous, iid, label-sorted)");
}

std::string ToString(ShardMode mode) {
  switch (mode) {
    case ShardMode::kContiguous: return "contiguous";
    case ShardMode::kIid: return "iid";
    case ShardMode::kLabelSorted: return "label-sorted";
  }
  return "contiguous";
}

Shards::Shards(const std::vector<std::uint8_t>& labels, int workers, ShardMode mode, std::uint64_t seed) {
  const auto n = static_cast<core::Index>(labels.size());
  if (workers < 1 || workers > n)
    throw std::invalid_argument("workers must be between 1 and the number of training examples (" + std::to_string(n) + ")");
  order_.resize(labels.size());
  std::iota(order_.begin(), order_.end(), 0);
  if (mode == ShardMode::kIid) {
    core::Rng rng(seed, core::StreamKind::kData);
    rng.Shuffle(order_.begin(), order_.end());
  } else if (mode == ShardMode::kLabelSorted) {
    std::stable_sort(order_.begin(), order_.end(), [&](std::int32_t a, std::int32_t b) { return labels[a] < labels[b]; });
  }
  begin_.resize(workers + 1);
  for (int w = 0; w <= workers; ++w) begin_[w] = n * w / workers;
}

}  // namespace pmlab::supervised
