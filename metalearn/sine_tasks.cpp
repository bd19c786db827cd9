#include "metalearn/sine_tasks.h"

#include <cmath>

namespace pmlab::metalearn {

void SineTasks::DrawTask(core::Rng& rng, Eigen::VectorXd& task) const {
  task.resize(2);
  task(0) = rng.Uniform(kMinAmplitude, kMaxAmplitude);
  task(1) = rng.Uniform(0.0, kMaxPhase);
}

void SineTasks::DrawPoints(const Eigen::VectorXd& task, int count, core::Rng& rng, core::Matrix& inputs,
                           core::Matrix& targets) const {
  inputs.resize(1, count);
  targets.resize(1, count);
  for (int j = 0; j < count; ++j) {
    const double x = rng.Uniform(-kInputRange, kInputRange);
    inputs(0, j) = static_cast<float>(x);
    targets(0, j) = static_cast<float>(task(0) * std::sin(x - task(1)));
  }
}

}  // namespace pmlab::metalearn
