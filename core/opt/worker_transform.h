#pragma once
// What a worker does to its gradient before sending it: clip, then compress, with an
// error-feedback rule around the compressor (see clipping.h, compressor.h, error_feedback.h).
// The order clip -> compress follows the paper's operators T_i. Each worker's memory persists
// across rounds. The result is the message the worker sends, in its compressor's form unless
// the rule replaces it (EF21 sends its tracked estimate s, dense).
#include <memory>
#include <string>

#include "core/opt/clipping.h"
#include "core/opt/compressor.h"
#include "core/opt/error_feedback.h"
#include "core/opt/rng.h"
#include "core/opt/types.h"

namespace pmlab::core {

/// The operators a worker applies, as registered components written as specs ("norm:2",
/// "topk:0.02", "ef"; registry.h): clipping, compression, error feedback.
struct TransformOptions {
  std::string clip = "none";            ///< a clipper (clipping.h)
  std::string compress = "none";        ///< a compressor (compressor.h)
  std::string error_feedback = "none";  ///< an error-feedback rule (error_feedback.h)
};

/// A worker's state carried between rounds.
struct WorkerMemory {
  Rng rng;          ///< the worker's own random stream (oracle sampling and compression)
  Vector feedback;  ///< the error-feedback rule's memory: EF's residual e, EF21's s (empty for none)
  Vector momentum;  ///< the worker's momentum buffer (empty unless momentum is at the workers)
  /// What the oracle keeps for the worker between rounds (an RL worker's environments in
  /// mid-episode), as bytes: filled for checkpoints only (GradientOracle::SaveWorkerState).
  std::string oracle;
};

/// Squared norms and bits of one message, summed over workers to give the round's metrics.
struct TransformStats {
  double input_sq_norm = 0;  ///< ||g||^2 of the vector handed to the transform
  double error_sq_norm = 0;  ///< ||T(g) - g||^2: how far the contribution is from the input
  double bits = 0;           ///< bits sent
};

/// A worker's transform T_i: clip, compress, error feedback.
class WorkerTransform {
 public:
  /// The transform of `options` for vectors of length `dimension`.
  WorkerTransform(const TransformOptions& options, Index dimension);

  /// Its compressor.
  const Compressor& compressor() const { return *compressor_; }

  /// Sizes a fresh worker memory for this transform.
  void InitMemory(WorkerMemory& memory) const;

  /// Writes the worker's contribution T(g) to `out`; a packed message also gets its values in
  /// out.dense. `work` is scratch of any size.
  TransformStats Apply(const Vector& g, WorkerMemory& memory, Message& out, Vector& work) const;

 private:
  std::unique_ptr<Clipper> clipper_;
  std::unique_ptr<Compressor> compressor_;
  std::unique_ptr<FeedbackRule> feedback_;
};

}  // namespace pmlab::core
