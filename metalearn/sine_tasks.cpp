#include "metalearn/sine_tasks.h"

#include <cmath>
#include <stdexcept>

namespace pmlab::metalearn {

SineTasks::SineTasks(SineTaskOptions options) : options_(options) {
  if (options.support < 1 || options.query < 1) throw std::invalid_argument("sine tasks need at least one support and one query point");
}

void SineTasks::Sample(core::Rng& rng, TaskBatch<float>& task) const {
  const double amplitude = rng.Uniform(kMinAmplitude, kMaxAmplitude);
  const double phase = rng.Uniform(0.0, kMaxPhase);
  const auto fill = [&](core::Matrix& inputs, core::Matrix& targets, int count) {
    inputs.resize(1, count);
    targets.resize(1, count);
    for (int j = 0; j < count; ++j) {
      const double x = rng.Uniform(-kInputRange, kInputRange);
      inputs(0, j) = static_cast<float>(x);
      targets(0, j) = static_cast<float>(amplitude * std::sin(x - phase));
    }
  };
  fill(task.support_inputs, task.support_targets, options_.support);
  fill(task.query_inputs, task.query_targets, options_.query);
}

}  // namespace pmlab::metalearn
