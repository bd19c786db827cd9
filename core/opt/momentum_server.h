#pragma once
// The server of Beikmohammadi, Khirirat & Magnusson, "Parallel Momentum Methods Under Biased
// Gradient Estimations" (IEEE TCNS 2025, arXiv 2403.00853):
//   v_1 = g_1,   v_{k+1} = (1 - beta) v_k + beta g_k,   x_{k+1} = x_k - gamma_k v_{k+1},
// where g_k is the average of the workers' (biased) messages. beta in (0, 1] weights the NEW
// gradient: beta = 1 is plain biased gradient descent; beta = 0.1 is "momentum 0.9".
// Nesterov's variant steps along beta g_k + (1 - beta) v_{k+1} instead of v_{k+1}.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/opt/step_schedule.h"
#include "core/opt/types.h"

namespace pmlab::core {

/// Where the momentum buffer lives: one at the server (the paper), or one per worker, kept on
/// the worker's own gradient before its transform (the server then averages and steps).
enum class MomentumPlacement { kServer, kWorker };
/// server | worker; throws std::invalid_argument naming what is allowed.
MomentumPlacement ParseMomentumPlacement(std::string_view spec);
std::string ToString(MomentumPlacement placement);

/// The server's method: step size, momentum weight, schedule, Nesterov, placement.
struct MomentumOptions {
  double lr = 0.5;             ///< base step size gamma > 0; default 0.5
  double beta = 0.1;           ///< weight of the new gradient, in (0, 1]; 1 = biased GD; default 0.1
  bool nesterov = false;       ///< step along beta g + (1 - beta) v; default off
  MomentumPlacement placement = MomentumPlacement::kServer;  ///< server (default) or worker
  StepSchedule schedule;       ///< step-size schedule; default constant

  /// Throws std::invalid_argument naming the field and its allowed range.
  void Validate() const;
};

/// Everything of the optimiser that changes during a run (and is checkpointed).
struct MomentumState {
  std::int64_t iteration = 0;  ///< rounds completed
  Vector x;                    ///< parameters
  Vector v;                    ///< server momentum buffer (empty while iteration == 0)
};

/// v <- g on the first step, else (1 - beta) v + beta g.
void AccumulateMomentum(double beta, bool first, const Eigen::Ref<const Vector>& g, Vector& v);

/// The server's update x <- x - gamma v with v <- (1 - beta) v + beta g.
class MomentumServer {
 public:
  /// `total_iterations` sizes schedules such as cosine.
  MomentumServer(MomentumOptions options, std::int64_t total_iterations);

  /// Its options.
  const MomentumOptions& options() const { return options_; }

  /// Step size of the round that starts at `state.iteration`.
  double StepSize(const MomentumState& state) const;

  /// One server step with the averaged message `g`; returns the step size used.
  double Step(const Vector& g, MomentumState& state) const;

 private:
  MomentumOptions options_;
  std::int64_t total_iterations_;
};

}  // namespace pmlab::core
