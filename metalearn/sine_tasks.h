#pragma once
// The sinusoid regression benchmark of Finn, Abbeel & Levine (ICML 2017, Sec. 5.1):
// y = A sin(x - phase) with amplitude A ~ U[0.1, 5.0], phase ~ U[0, pi], inputs x ~ U[-5, 5];
// K support and Q query points per task; MSE loss; the usual network is 1-40-40-1 ReLU.
#include "metalearn/task_family.h"

namespace pmlab::metalearn {

struct SineTaskOptions {
  int support = 10;  ///< K, support points per task (>= 1); default 10
  int query = 10;    ///< query points per task (>= 1); default 10
};

class SineTasks final : public TaskFamily {
 public:
  explicit SineTasks(SineTaskOptions options);
  int Inputs() const override { return 1; }
  int Outputs() const override { return 1; }
  core::LossHead Head() const override { return core::LossHead::kMeanSquaredError; }
  void Sample(core::Rng& rng, TaskBatch<float>& task) const override;

  static constexpr double kMinAmplitude = 0.1, kMaxAmplitude = 5.0, kMaxPhase = 3.14159265358979323846, kInputRange = 5.0;

 private:
  SineTaskOptions options_;
};

}  // namespace pmlab::metalearn
