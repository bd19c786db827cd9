#include "core/opt/worker_transform.h"

#include <algorithm>

#include "core/opt/squared_norm.h"

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
    : clipper_(MakeClipper(options.clip, dimension)),
      compressor_(MakeCompressor(options.compress, dimension)),
      feedback_(MakeFeedbackRule(options.error_feedback, dimension)) {}

void WorkerTransform::InitMemory(WorkerMemory& memory) const { memory.feedback = Vector::Zero(feedback_->MemoryLength()); }

TransformStats WorkerTransform::Apply(const Vector& g, WorkerMemory& memory, Message& out, Vector& work) const {
  // Each pass over d floats costs a thousand passes at 1,000 workers: the operators hand on
  // their input itself when they leave it as it is, and otherwise write to the one scratch.
  const Vector& clipped = clipper_->Clip(g, work);
  double input = 0;
  if (&clipped == &g && feedback_->InputIsSum()) {
    // p = g + e, ||g||^2 and C(p) in the compressor's pass: the same numbers, fewer passes.
    SquaredNormSum norm;
    compressor_->EncodeSum(g, memory.feedback, work, norm, out, memory.rng);
    input = norm.Total();
  } else {
    const Vector& encoded = feedback_->Input(clipped, memory.feedback, work);
    SquaredNormSum norm;
    if (&encoded == &g) {
      compressor_->EncodeNorm(g, norm, out, memory.rng);  // ||g||^2 in the compressor's pass
    } else {
      norm.Add(g.data(), g.size());
      compressor_->Encode(encoded, out, memory.rng);
    }
    input = norm.Total();
  }
  compressor_->Unpack(out);
  feedback_->Update(work, memory.feedback, out);
  const double error =
      out.form == Message::Form::kSparse ? SparseErrorSqNorm(out, g, input) : SquaredDistance(out.dense, g);
  return {input, error, compressor_->Bits()};
}

}  // namespace pmlab::core
