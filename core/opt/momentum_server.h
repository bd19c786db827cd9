#pragma once
// The server of Beikmohammadi, Khirirat & Magnusson, "Parallel Momentum Methods Under Biased
// Gradient Estimations" (IEEE TCNS 2025, arXiv 2403.00853):
//   v_1 = g_1,   v_{k+1} = (1 - beta) v_k + beta g_k,   x_{k+1} = x_k - gamma_k v_{k+1},
// where g_k is the average of the workers' (biased) messages. beta in (0, 1] weights the NEW
// gradient: beta = 1 is plain biased gradient descent; beta = 0.1 is "momentum 0.9".
// Nesterov's variant steps along beta g_k + (1 - beta) v_{k+1} instead of v_{k+1}.
//
// How the server turns g_k into a step is a registered rule (--server): `momentum` is the
// paper's update above and the default; `adam` and `rmsprop` are the adaptive optimisers the
// field trains with, offered to compare the paper's server against (adam.cpp, rmsprop.cpp).
// Every rule shares the step size gamma_k and its schedule, and keeps its buffers in the
// server's state, which checkpoints save.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/opt/step_schedule.h"
#include "core/opt/types.h"
#include "core/registry/registry.h"

namespace pmlab::core {

/// Where the momentum buffer lives: one at the server (the paper), or one per worker, kept on
/// the worker's own gradient before its transform (the server then averages and steps).
enum class MomentumPlacement { kServer, kWorker };
/// server | worker; throws std::invalid_argument naming what is allowed.
MomentumPlacement ParseMomentumPlacement(std::string_view spec);
std::string ToString(MomentumPlacement placement);

/// The server's method: its rule, step size, momentum weight, schedule, Nesterov, placement.
struct MomentumOptions {
  std::string server = "momentum";  ///< the server's rule, a registered one (--server); default the paper's
  double lr = 0.5;             ///< base step size gamma > 0; default 0.5
  double beta = 0.1;           ///< weight of the new gradient, in (0, 1]; 1 = biased GD; default 0.1
  bool nesterov = false;       ///< step along beta g + (1 - beta) v; default off
  MomentumPlacement placement = MomentumPlacement::kServer;  ///< server (default) or worker
  StepSchedule schedule;       ///< step-size schedule; default constant

  /// Whether beta and Nesterov shape the server's step: the momentum rule at the server.
  bool MomentumAtServer() const;
  /// Throws std::invalid_argument naming the field and its allowed range.
  void Validate() const;
};

/// Everything of the optimiser that changes during a run (and is checkpointed). A rule's
/// buffers are empty until its first step and of length d after it.
struct MomentumState {
  std::int64_t iteration = 0;  ///< rounds completed
  std::int64_t steps = 0;      ///< server steps taken: one per round, unless rounds reuse their draws
  Vector x;                    ///< parameters
  Vector v;                    ///< the rule's first buffer: momentum; Adam's first moment
  Vector u;                    ///< the rule's second buffer: Adam's and RMSprop's mean of squares
};

/// v <- g on the first step, else (1 - beta) v + beta g.
void AccumulateMomentum(double beta, bool first, const Eigen::Ref<const Vector>& g, Vector& v);

/// A server rule: one step of x from the averaged message. Rules are stateless objects; what
/// persists between steps lives in the MomentumState.
class ServerRule {
 public:
  /// Which of the state's buffers a rule keeps.
  struct Buffers {
    bool v = false;  ///< keeps v
    bool u = false;  ///< keeps u
  };
  virtual ~ServerRule() = default;
  /// The buffers this rule keeps once it has stepped (each of length d).
  virtual Buffers Keeps() const = 0;
  /// Moves state.x by step size `gamma` along what the rule makes of `g`, and updates its
  /// buffers. state.steps counts the steps before this one (0 on the first); the caller
  /// advances it.
  virtual void Step(float gamma, const Vector& g, MomentumState& state) const = 0;
};

/// The server rules, by name: momentum, adam, rmsprop, and whatever a program registers. A
/// rule is built from the server's options (momentum reads beta, Nesterov and the placement).
using ServerRuleRegistry = Registry<std::unique_ptr<ServerRule>(const MomentumOptions&)>;
ServerRuleRegistry& ServerRules();

/// The server's update: the rule of `--server` with the step size of the schedule.
class MomentumServer {
 public:
  /// `total_iterations` sizes schedules such as cosine.
  MomentumServer(MomentumOptions options, std::int64_t total_iterations);

  /// Its options.
  const MomentumOptions& options() const { return options_; }
  /// Its rule.
  const ServerRule& rule() const { return *rule_; }

  /// Step size of the round that starts at `state.iteration`.
  double StepSize(const MomentumState& state) const;

  /// One server step with the averaged message `g` (advancing state.steps, not the round);
  /// returns the step size used.
  double Step(const Vector& g, MomentumState& state) const;

 private:
  MomentumOptions options_;
  std::int64_t total_iterations_;
  std::unique_ptr<ServerRule> rule_;
};

}  // namespace pmlab::core
