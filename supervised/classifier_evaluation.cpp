#include "supervised/classifier_evaluation.h"

#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "supervised/image_batch.h"

namespace pmlab::supervised {
namespace {
constexpr core::Index kChunk = 500;

struct Scratch {
  explicit Scratch(const core::MlpShape& shape) : mlp(shape, core::LossHead::kSoftmaxCrossEntropy) {}
  core::Mlp<float> mlp;
  core::Matrix inputs, targets;
};
}  // namespace

ClassifierEvaluation EvaluateClassifier(const core::MlpShape& shape, const core::Vector& x,
                                        const core::ImageDataset& data, core::WorkerPool& pool) {
  const core::Index n = data.size();
  const core::Index chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> loss(chunks);
  std::vector<core::Index> correct(chunks);
  tbb::enumerable_thread_specific<Scratch> scratch(shape);
  pool.ForEach(chunks, [&](core::Index c) {
    Scratch& s = scratch.local();
    const core::Index begin = c * kChunk, count = std::min(kChunk, n - begin);
    GatherImageRange(data, begin, count, s.inputs, s.targets);
    loss[c] = static_cast<double>(s.mlp.Loss(x, s.inputs, s.targets)) * static_cast<double>(count);
    correct[c] = core::Mlp<float>::CountCorrect(s.mlp.Forward(x, s.inputs), s.targets);
  });
  ClassifierEvaluation e;
  core::Index right = 0;
  for (core::Index c = 0; c < chunks; ++c) {
    e.loss += loss[c];
    right += correct[c];
  }
  e.loss /= static_cast<double>(n);
  e.accuracy = static_cast<double>(right) / static_cast<double>(n);
  return e;
}

}  // namespace pmlab::supervised
