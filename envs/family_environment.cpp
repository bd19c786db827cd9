#include "envs/family_environment.h"

namespace pmlab::envs {
namespace {

// Every task of a family shares its spaces, time limit and image size; a throwaway draw shows
// them.
std::unique_ptr<Environment> Probe(const EnvFamily& family) {
  core::Rng rng(0);
  return MakeEnvironment(family.SampleTask(rng));
}

}  // namespace

FamilyEnvironment::FamilyEnvironment(const std::string& spec, std::uint64_t instance)
    : FamilyEnvironment(spec, MakeEnvFamily(spec), instance) {}

FamilyEnvironment::FamilyEnvironment(const std::string& spec, std::shared_ptr<const EnvFamily> family, std::uint64_t instance)
    : FamilyEnvironment(spec, family, *Probe(*family), instance) {}

FamilyEnvironment::FamilyEnvironment(const std::string& spec, std::shared_ptr<const EnvFamily> family, const Environment& probe,
                                     std::uint64_t instance)
    : Environment(spec, probe.observation_space(), probe.action_space(), probe.time_limit(), instance),
      family_(std::move(family)),
      instance_(instance),
      render_size_(probe.RenderSize()) {}

void FamilyEnvironment::StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) {
  task_ = family_->SampleTask(rng);
  env_ = MakeEnvironment(task_, instance_);
  env_->set_time_limit(time_limit());  // a max_episode_steps of the family spec
  observation = env_->Reset(rng.NextU64());
}

Environment::Transition FamilyEnvironment::Advance(const Eigen::VectorXd& action, core::Rng& /*rng*/, Eigen::VectorXd& observation) {
  const StepResult r = env_->Step(action);
  observation = env_->observation();
  return {r.reward, r.terminated};
}

void FamilyEnvironment::Draw(Canvas& canvas) const { canvas = env_->Render(); }

}  // namespace pmlab::envs
