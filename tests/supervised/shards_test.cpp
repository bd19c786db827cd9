#include "supervised/shards.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace pmlab::supervised {
namespace {

std::vector<std::uint8_t> Labels(int n) {
  std::vector<std::uint8_t> labels(n);
  for (int i = 0; i < n; ++i) labels[i] = static_cast<std::uint8_t>((i * 7) % 10);
  return labels;
}

TEST(ShardsTest, ContiguousShardsAreConsecutiveRanges) {
  Shards s(Labels(60000), 100, ShardMode::kContiguous, 1);
  for (int w = 0; w < 100; ++w) {
    const auto shard = s.Of(w);
    ASSERT_EQ(shard.size(), 600u);
    for (std::size_t i = 0; i < shard.size(); ++i) EXPECT_EQ(shard[i], w * 600 + static_cast<int>(i));
  }
}

TEST(ShardsTest, UnevenSplitsDifferByAtMostOneAndCoverEverything) {
  for (ShardMode mode : {ShardMode::kContiguous, ShardMode::kIid, ShardMode::kLabelSorted}) {
    Shards s(Labels(103), 10, mode, 5);
    std::set<int> seen;
    std::size_t smallest = 1000, largest = 0;
    for (int w = 0; w < 10; ++w) {
      smallest = std::min(smallest, s.Of(w).size());
      largest = std::max(largest, s.Of(w).size());
      for (int i : s.Of(w)) seen.insert(i);
    }
    EXPECT_LE(largest - smallest, 1u);
    EXPECT_EQ(seen.size(), 103u);
  }
}

TEST(ShardsTest, IidShuffleDependsOnTheSeed) {
  Shards a(Labels(1000), 4, ShardMode::kIid, 1), b(Labels(1000), 4, ShardMode::kIid, 1), c(Labels(1000), 4, ShardMode::kIid, 2);
  EXPECT_TRUE(std::ranges::equal(a.Of(0), b.Of(0)));
  EXPECT_FALSE(std::ranges::equal(a.Of(0), c.Of(0)));
}

TEST(ShardsTest, LabelSortedShardsHoldFewClasses) {
  const auto labels = Labels(1000);
  Shards s(labels, 10, ShardMode::kLabelSorted, 1);
  for (int w = 0; w < 10; ++w) {
    std::set<int> classes;
    for (int i : s.Of(w)) classes.insert(labels[i]);
    EXPECT_EQ(classes.size(), 1u);
  }
}

TEST(ShardsTest, RejectsImpossibleWorkerCounts) {
  EXPECT_THROW(Shards(Labels(10), 0, ShardMode::kContiguous, 1), std::invalid_argument);
  EXPECT_THROW(Shards(Labels(10), 11, ShardMode::kContiguous, 1), std::invalid_argument);
  EXPECT_THROW(ParseShardMode("random"), std::invalid_argument);
}

}  // namespace
}  // namespace pmlab::supervised
