#pragma once
// Test loss and accuracy of an MLP classifier over a whole dataset. The set is cut into fixed
// chunks evaluated in parallel and summed in chunk order, so the figures do not depend on the
// thread count.
#include "core/nn/image_dataset.h"
#include "core/nn/mlp.h"
#include "core/opt/worker_pool.h"

namespace pmlab::supervised {

struct ClassifierEvaluation {
  double loss = 0;      ///< mean cross-entropy
  double accuracy = 0;  ///< fraction classified correctly
};

ClassifierEvaluation EvaluateClassifier(const core::MlpShape& shape, const core::Vector& x,
                                        const core::ImageDataset& data, core::WorkerPool& pool);

}  // namespace pmlab::supervised
