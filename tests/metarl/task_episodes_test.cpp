// A task's stored batch offers the policy its acting passes in the stored batch's own order:
// each column is the observation the policy saw at that step in that environment, although the
// batch lists episodes in the order they ended, not environment by environment.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "envs/registry.h"
#include "metarl/task_episodes.h"

namespace pmlab::rl {
namespace {

// A policy that keeps what it was shown at each step and the order it is offered back.
class Witness final : public Policy<float> {
 public:
  explicit Witness(std::unique_ptr<Policy<float>> inner) : inner_(std::move(inner)) {}
  core::Index ParameterCount() const override { return inner_->ParameterCount(); }
  int ActionRows() const override { return inner_->ActionRows(); }
  void Initialize(core::Rng& rng, Eigen::Ref<Vec> params) const override { inner_->Initialize(rng, params); }
  void RecordActing(core::Index columns) override {
    steps.clear();
    capacity = columns;
  }
  void ReplayActing(const std::vector<core::Index>& order_offered) override { order = order_offered; }
  void Act(const Eigen::Ref<const Vec>& params, const Mat& observations, core::Rng& rng, bool mode, Mat& actions) override {
    steps.push_back(observations);
    inner_->Act(params, observations, rng, mode, actions);
  }
  void LogProbabilities(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, Vec& log_probs,
                        Vec& entropies) override {
    inner_->LogProbabilities(params, observations, actions, log_probs, entropies);
  }
  float Surrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
                  float entropy_weight, Eigen::Ref<Vec> gradient) override {
    return inner_->Surrogate(params, observations, actions, weights, entropy_weight, gradient);
  }
  void SurrogateHessianProduct(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
                               const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> gradient, Eigen::Ref<Vec> hessian_product,
                               const ScoreProducts* score_products) override {
    inner_->SurrogateHessianProduct(params, observations, actions, weights, direction, gradient, hessian_product, score_products);
  }
  void HessianProductAfterSurrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                    const Vec& weights, const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> hessian_product,
                                    const ScoreProducts* score_products) override {
    inner_->HessianProductAfterSurrogate(params, observations, actions, weights, direction, hessian_product, score_products);
  }
  std::unique_ptr<Policy<float>> Clone() const override { return std::make_unique<Witness>(inner_->Clone()); }

  std::vector<Mat> steps;
  std::vector<core::Index> order;
  core::Index capacity = 0;

 private:
  std::unique_ptr<Policy<float>> inner_;
};

TEST(TaskEpisodesTest, TheStoredBatchIsOfferedInItsOwnOrder) {
  RolloutOptions o;
  o.env = "CartPole-v1";
  o.horizon = 60;
  o.environments = 8;
  o.record_passes = true;
  EnvironmentEpisodes task(o);
  const auto env = envs::MakeEnvironment(o.env);
  Witness policy(MakePolicy<float>({}, env->observation_space(), env->action_space()));
  core::Vector params(policy.ParameterCount());
  core::Rng rng(4);
  policy.Initialize(rng, params);
  StoredBatch stored;
  ASSERT_TRUE(task.Sample(policy, params, rng, stored));
  const EpisodeBatch batch = stored.batch();
  EXPECT_EQ(policy.capacity, o.horizon * o.environments);
  ASSERT_EQ(policy.order.size(), static_cast<std::size_t>(batch.inputs.cols()));
  // Episodes of a random CartPole policy end at different steps, so the stored order is not the
  // environments' own.
  bool reordered = false;
  for (std::size_t e = 1; e < batch.episodes.size(); ++e) {
    const auto lane = [&](std::size_t i) { return policy.order[static_cast<std::size_t>(batch.episodes[i].start)] % o.environments; };
    reordered |= lane(e) < lane(e - 1);
  }
  EXPECT_TRUE(reordered);
  for (Eigen::Index c = 0; c < batch.inputs.cols(); ++c) {
    const core::Index at = policy.order[static_cast<std::size_t>(c)];
    ASSERT_LT(static_cast<std::size_t>(at / o.environments), policy.steps.size());
    EXPECT_EQ(batch.inputs.col(c), policy.steps[static_cast<std::size_t>(at / o.environments)].col(at % o.environments)) << "column " << c;
  }
  // Without record_passes nothing is offered.
  o.record_passes = false;
  EnvironmentEpisodes plain(o);
  policy.order.clear();
  ASSERT_TRUE(plain.Sample(policy, params, rng, stored));
  EXPECT_TRUE(policy.order.empty());
}

}  // namespace
}  // namespace pmlab::rl
