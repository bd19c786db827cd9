#pragma once
// The server's sum of the workers' messages, in one fixed order: a binary tree over worker
// indices, where the node over [i, i + 2s) adds the node over [i + s, i + 2s) to the node over
// [i, i + s) (a right half beyond the last worker is skipped). The order depends only on the
// number of workers, never on threads or processes, so the sum is the same float everywhere;
// and a process owning a contiguous block of workers could form every complete subtree of it.
//
// Dense messages are summed in place, block of coordinates by block, so that each block stays
// in cache. Sparse messages are merged as (index, value) lists, switching a partial sum to
// dense only once it holds a quarter of the coordinates: summing 1,000 Top-2% messages then
// holds about what they hold, not 1,000 dense vectors. Both ways perform the same float
// additions.
#include <vector>

#include "core/opt/message.h"
#include "core/opt/types.h"
#include "core/opt/worker_pool.h"

namespace pmlab::core {

/// Writes the sum of `messages` (all of one form; packed ones with their values in `dense`) to
/// `sum` (size `dimension`). The messages are used as the tree's nodes and hold partial sums
/// afterwards; their buffers are kept for the next round.
void FixedOrderSum(std::vector<Message>& messages, Index dimension, WorkerPool& pool, Vector& sum);

}  // namespace pmlab::core
