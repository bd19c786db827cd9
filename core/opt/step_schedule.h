#pragma once
// Step-size schedules gamma_k = gamma * factor(k). The paper uses a constant step size; cosine
// and step decay are offered because researchers routinely compare against them. A schedule is
// a pure function of the iteration, so it needs no state of its own in a checkpoint.
#include <cstdint>
#include <string>
#include <string>
#include <string_view>

namespace pmlab::core {

/// The step size over iterations: constant, cosine or step decay.
struct StepSchedule {
  /// constant, cosine (over the run) or step:EVERY:FACTOR
  enum class Kind { kConstant, kCosine, kStep };
  Kind kind = Kind::kConstant;  ///< constant | cosine | step
  std::int64_t every = 0;       ///< step decay: multiply by `factor` every `every` iterations (>= 1)
  double factor = 1.0;          ///< step decay: factor in (0, 1]

  /// Parses constant | cosine | step:EVERY:FACTOR; throws std::invalid_argument naming what is allowed.
  static StepSchedule Parse(std::string_view spec);
  /// The text Parse reads back to this schedule.
  std::string Spec() const;
  /// Whether the step size of an iteration depends on the run's length (cosine): such a run
  /// cannot be extended without changing the steps it already planned.
  bool DependsOnLength() const { return kind == Kind::kCosine; }

  /// Multiplier of the base step size at 0-based iteration k of a run of `total` iterations.
  double Factor(std::int64_t k, std::int64_t total) const;
};

}  // namespace pmlab::core
