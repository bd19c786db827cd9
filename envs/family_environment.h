#pragma once
// A task family as one environment: every Reset draws a new task from the family with the
// episode's own stream and runs it, so that `pmlab rl --env PointNav` trains one policy across
// the family's tasks (multi-task training). MakeEnvironment returns one for a family spec.
#include <memory>
#include <string>

#include "envs/environment.h"
#include "envs/registry.h"

namespace pmlab::envs {

class FamilyEnvironment final : public Environment {
 public:
  /// `spec` names a registered family, e.g. "PointNav" or "LunarLander(enable_wind=true)";
  /// std::invalid_argument otherwise.
  FamilyEnvironment(const std::string& spec, std::uint64_t instance);

  Eigen::Vector2i RenderSize() const override { return render_size_; }
  /// The spec of the current episode's task (empty before the first Reset).
  const std::string& task() const { return task_; }

 private:
  FamilyEnvironment(const std::string& spec, std::shared_ptr<const EnvFamily> family, std::uint64_t instance);
  FamilyEnvironment(const std::string& spec, std::shared_ptr<const EnvFamily> family, const Environment& probe,
                    std::uint64_t instance);

  void StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) override;
  Transition Advance(const Eigen::VectorXd& action, core::Rng& rng, Eigen::VectorXd& observation) override;
  void Draw(Canvas& canvas) const override;

  std::shared_ptr<const EnvFamily> family_;
  std::uint64_t instance_;
  Eigen::Vector2i render_size_;
  std::string task_;
  std::unique_ptr<Environment> env_;
};

}  // namespace pmlab::envs
