#include "core/opt/worker_transform.h"

#include <algorithm>
#include <utility>

namespace pmlab::core {
namespace {

// ||T(g) - g||^2 of a sparse message without forming T(g): every coordinate contributes g_j^2
// (`g_sq_norm` in all), except the kept ones, which contribute (v_j - g_j)^2.
double SparseErrorSqNorm(const Message& m, const Vector& g, double g_sq_norm) {
  double error = g_sq_norm;
  for (std::size_t k = 0; k < m.index.size(); ++k) {
    const double gj = g[m.index[k]];
    const double diff = static_cast<float>(m.value[k] - g[m.index[k]]);
    error += diff * diff - gj * gj;
  }
  return std::max(error, 0.0);
}

}  // namespace

WorkerTransform::WorkerTransform(const TransformOptions& options, Index dimension)
    : clip_(options.clip),
      feedback_(options.error_feedback),
      dimension_(dimension),
      compressor_(MakeCompressor(options.compress, dimension)) {}

void WorkerTransform::InitMemory(WorkerMemory& memory) const {
  if (feedback_ != ErrorFeedback::kNone) memory.feedback = Vector::Zero(dimension_);
}

TransformStats WorkerTransform::Apply(const Vector& g, WorkerMemory& memory, Message& out, Vector& work) const {
  // Each pass over d floats costs a thousand passes at 1,000 workers: what can be fused is.
  const double input = g.cast<double>().squaredNorm();
  const bool clips = clip_.kind != Clipping::Kind::kNone;
  if (!clips && feedback_ == ErrorFeedback::kClassic) {
    work = g + memory.feedback;
  } else if (!clips && feedback_ == ErrorFeedback::kEf21) {
    work = g - memory.feedback;
  } else {
    work = g;
    clip_.Apply(work);
    if (feedback_ == ErrorFeedback::kClassic) work += memory.feedback;
    if (feedback_ == ErrorFeedback::kEf21) work -= memory.feedback;
  }
  compressor_->Encode(work, out, memory.rng);
  compressor_->Unpack(out);
  const bool sparse = out.form == Message::Form::kSparse;
  switch (feedback_) {
    case ErrorFeedback::kNone: break;
    case ErrorFeedback::kClassic:
      // e <- p - C(p): untouched coordinates keep p, so p becomes the memory (a swap of buffers
      // with the scratch, no copy) and only the sent coordinates change.
      if (sparse) {
        std::swap(memory.feedback, work);
        for (std::size_t k = 0; k < out.index.size(); ++k) memory.feedback[out.index[k]] -= out.value[k];
      } else {
        memory.feedback = work - out.dense;
      }
      break;
    case ErrorFeedback::kEf21:
      if (sparse) out.AddSparseTo(memory.feedback);
      else memory.feedback += out.dense;
      out.form = Message::Form::kDense;
      out.dense = memory.feedback;
      break;
  }
  const double error =
      out.form == Message::Form::kSparse ? SparseErrorSqNorm(out, g, input) : (out.dense - g).cast<double>().squaredNorm();
  return {input, error, compressor_->Bits()};
}

}  // namespace pmlab::core
