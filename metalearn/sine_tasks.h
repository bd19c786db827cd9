#pragma once
// The sinusoid regression benchmark of Finn, Abbeel & Levine (ICML 2017, Sec. 5.1):
// y = A sin(x - phase) with amplitude A ~ U[0.1, 5.0], phase ~ U[0, pi], inputs x ~ U[-5, 5];
// K support and Q query points per task; MSE loss; the usual network is 1-40-40-1 ReLU.
#include "metalearn/task_family.h"

namespace pmlab::metalearn {

class SineTasks final : public TaskFamily {
 public:
  explicit SineTasks(TaskSizes sizes) : TaskFamily(sizes) {}
  int Inputs() const override { return 1; }
  int Outputs() const override { return 1; }
  core::LossHead Head() const override { return core::LossHead::kMeanSquaredError; }
  /// task = (amplitude, phase)
  void DrawTask(core::Rng& rng, Eigen::VectorXd& task) const override;
  void DrawPoints(const Eigen::VectorXd& task, int count, core::Rng& rng, core::Matrix& inputs,
                  core::Matrix& targets) const override;

  static constexpr double kMinAmplitude = 0.1, kMaxAmplitude = 5.0, kMaxPhase = 3.14159265358979323846, kInputRange = 5.0;
};

}  // namespace pmlab::metalearn
