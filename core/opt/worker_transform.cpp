#include "core/opt/worker_transform.h"

namespace pmlab::core {

WorkerTransform::WorkerTransform(const TransformOptions& options, Index dimension)
    : clip_(options.clip),
      feedback_(options.error_feedback),
      dimension_(dimension),
      compressor_(MakeCompressor(options.compress, dimension)) {}

void WorkerTransform::InitMemory(WorkerMemory& memory) const {
  if (feedback_ != ErrorFeedback::kNone) memory.feedback = Vector::Zero(dimension_);
}

TransformStats WorkerTransform::Apply(const Vector& g, WorkerMemory& memory, Eigen::Ref<Vector> out,
                                      Vector& work) const {
  work = g;
  clip_.Apply(work);
  switch (feedback_) {
    case ErrorFeedback::kNone:
      compressor_->Compress(work, out, memory.rng);
      break;
    case ErrorFeedback::kClassic:
      work += memory.feedback;
      compressor_->Compress(work, out, memory.rng);
      memory.feedback = work - out;
      break;
    case ErrorFeedback::kEf21:
      work -= memory.feedback;
      compressor_->Compress(work, out, memory.rng);
      memory.feedback += out;
      out = memory.feedback;
      break;
  }
  return {g.cast<double>().squaredNorm(), (out - g).cast<double>().squaredNorm(), compressor_->Bits()};
}

}  // namespace pmlab::core
