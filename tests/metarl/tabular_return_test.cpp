// The tabular family's exact quantities against brute force: the dynamic programme's return and
// gradient against the sum over every episode and central differences; the environment against
// its tables; and the Hessians of the meta-RL estimators against the exact Hessian, summed over
// every episode: Loaded DiCE's is unbiased, ProMP's LVC and maml-pg's are not.
#include <gtest/gtest.h>

#include <cmath>

#include "envs/tabular_mdp.h"
#include "metarl/meta_policy_gradient.h"
#include "metarl/tabular_return.h"
#include "rl/categorical_policy.h"

namespace pmlab::rl {
namespace {

const envs::TabularMdpModel kMdp = envs::TabularMdpModel::Generate(3, 2, 3, 5);

Eigen::VectorXd RandomParams(Policy<double>& policy, std::uint64_t seed) {
  core::Rng rng(seed);
  Eigen::VectorXd x(policy.ParameterCount());
  for (Eigen::Index i = 0; i < x.size(); ++i) x[i] = rng.Uniform(-1, 1);
  return x;
}

// E sum_t gamma^t r_t over every episode of `horizon` steps.
double EnumeratedReturn(Policy<double>& policy, const Eigen::VectorXd& x, double discount, int horizon, double* total_probability) {
  const Eigen::MatrixXd pi = TabularPolicy<double>(kMdp, policy, x);
  double sum = 0;
  *total_probability = 0;
  ForEachTabularEpisode(kMdp, horizon, [&](const TabularEpisode& e) {
    double p = e.transition_probability, ret = 0;
    for (std::size_t t = 0; t < e.actions.size(); ++t) {
      p *= pi(e.states[t], e.actions[t]);
      ret += std::pow(discount, t) * kMdp.rewards(e.states[t], e.actions[t]);
    }
    sum += p * ret;
    *total_probability += p;
  });
  return sum;
}

TEST(TabularReturnTest, EqualsTheSumOverEpisodesAndItsGradientCentralDifferences) {
  for (const std::vector<int>& hidden : {std::vector<int>{}, std::vector<int>{4}}) {
    CategoricalPolicy<double> policy(kMdp.states, kMdp.actions, hidden);
    const Eigen::VectorXd x = RandomParams(policy, 3);
    for (const int horizon : {3, 2}) {
      SCOPED_TRACE(std::to_string(hidden.size()) + " hidden layers, horizon " + std::to_string(horizon));
      Eigen::VectorXd gradient(x.size()), scratch(x.size());
      const double j = TabularReturn<double>(kMdp, policy, x, 0.9, horizon, gradient);
      double total = 0;
      EXPECT_NEAR(j, EnumeratedReturn(policy, x, 0.9, horizon, &total), 1e-13);
      EXPECT_NEAR(total, 1.0, 1e-13);
      Eigen::VectorXd numeric(x.size());
      for (Eigen::Index i = 0; i < x.size(); ++i) {
        const double h = 1e-6;
        Eigen::VectorXd up = x, down = x;
        up[i] += h;
        down[i] -= h;
        numeric[i] = (TabularReturn<double>(kMdp, policy, up, 0.9, horizon, scratch) -
                      TabularReturn<double>(kMdp, policy, down, 0.9, horizon, scratch)) / (2 * h);
      }
      EXPECT_GT(numeric.norm(), 1e-2);
      EXPECT_LT((gradient - numeric).norm(), 1e-8 * numeric.norm());
    }
  }
}

TEST(TabularReturnTest, TheEnvironmentIsItsTables) {
  // Uniformly random actions (the zero parameters of a linear policy) through the environment:
  // the mean return of 40,000 episodes against the exact one.
  envs::TabularMdp env({3, 2, 3, 5});
  CategoricalPolicy<double> policy(3, 2, {});
  Eigen::VectorXd gradient(policy.ParameterCount());
  const double exact = TabularReturn<double>(kMdp, policy, Eigen::VectorXd::Zero(policy.ParameterCount()), 1.0, 3, gradient);
  core::Rng actions(8);
  double sum = 0, sum_sq = 0;
  const int n = 40000;
  for (int e = 0; e < n; ++e) {
    env.Reset(static_cast<std::uint64_t>(e));
    double ret = 0;
    envs::StepResult r;
    do {
      r = env.Step(Eigen::VectorXd::Constant(1, static_cast<double>(actions.Below(2))));
      ret += r.reward;
    } while (!r.terminated && !r.truncated);
    EXPECT_TRUE(r.terminated) << "episodes last exactly H steps";
    EXPECT_EQ(env.steps(), 3);
    sum += ret;
    sum_sq += ret * ret;
  }
  const double mean = sum / n, se = std::sqrt((sum_sq / n - mean * mean) / (n - 1));
  EXPECT_NEAR(mean, exact, 4 * se);
  EXPECT_LT(se, 0.01);
}

// sum over every episode of p(tau) H_hat(tau) v, with weights the undiscounted rewards-to-go less
// a constant baseline, for each estimator's score products.
enum class Curvature { kPlain, kLvc, kLoaded };

Eigen::VectorXd ExpectedHessianProduct(Curvature curvature, const core::Vector& x, const core::Vector& v) {
  CategoricalPolicy<float> policy(kMdp.states, kMdp.actions, {});
  core::Vector gradient(x.size()), product(x.size()), w;
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(x.size());
  ForEachTabularBatch(kMdp, policy, x, kMdp.horizon, 1, 1 << 20, [&](const EpisodeBatch& b, double p) {
    w.resize(b.rewards.size());
    double to_go = 0;
    for (Eigen::Index t = b.rewards.size(); t-- > 0;) w[t] = static_cast<float>((to_go += b.rewards[t]) - 0.3);
    const auto lvc = [&](const core::Vector& d, core::Vector& u) { u = w.cwiseProduct(d); };
    const auto loaded = [&](const core::Vector& d, core::Vector& u) { LoadedDiceScoreWeights(b.episodes, w, d, u); };
    const Policy<float>::ScoreProducts lvc_products(lvc), loaded_products(loaded);
    policy.SurrogateHessianProduct(x, b.inputs, b.actions, w, v, gradient, product,
                                   curvature == Curvature::kLvc ? &lvc_products : curvature == Curvature::kLoaded ? &loaded_products : nullptr);
    sum += p * product.cast<double>();
  });
  return sum;
}

TEST(TabularReturnTest, LoadedDiceHessianIsUnbiasedAndLvcAndMamlPgAreNot) {
  CategoricalPolicy<double> exact_policy(kMdp.states, kMdp.actions, {});
  const Eigen::VectorXd xd = RandomParams(exact_policy, 4), vd = RandomParams(exact_policy, 5);
  // The exact Hessian-vector product: central differences of the exact gradient.
  Eigen::VectorXd up(xd.size()), down(xd.size());
  const double h = 1e-5;
  TabularReturn<double>(kMdp, exact_policy, xd + h * vd, 1.0, kMdp.horizon, up);
  TabularReturn<double>(kMdp, exact_policy, xd - h * vd, 1.0, kMdp.horizon, down);
  const Eigen::VectorXd exact = (up - down) / (2 * h);
  const core::Vector x = xd.cast<float>(), v = vd.cast<float>();
  const Eigen::VectorXd loaded = ExpectedHessianProduct(Curvature::kLoaded, x, v), lvc = ExpectedHessianProduct(Curvature::kLvc, x, v),
                        plain = ExpectedHessianProduct(Curvature::kPlain, x, v);
  EXPECT_LT((loaded - exact).norm(), 1e-4 * exact.norm()) << "Loaded DiCE's Hessian is unbiased, whatever the baseline";
  EXPECT_GT((lvc - exact).norm(), 0.05 * exact.norm()) << "LVC drops the products of scores at different steps";
  EXPECT_GT((plain - exact).norm(), 0.05 * exact.norm()) << "maml-pg's drops every product of scores";
  EXPECT_LT((lvc - exact).norm(), (plain - exact).norm()) << "LVC keeps the same-step ones";
}

}  // namespace
}  // namespace pmlab::rl
