// Policies: the weighted log-probability and its gradient against closed forms and central
// differences in double precision, and sampling against the distribution it claims.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <utility>
#include <numbers>
#include <string>
#include <vector>

#include "rl/categorical_policy.h"
#include "rl/gaussian_policy.h"

namespace pmlab::rl {
namespace {

using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;

Mat RandomMatrix(Eigen::Index rows, Eigen::Index cols, core::Rng& rng) {
  Mat m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = rng.Normal();
  return m;
}

// Central differences of f along every coordinate of `params`.
template <typename F>
Vec NumericGradient(F&& f, const Vec& params) {
  Vec numeric(params.size());
  const double h = 1e-6;
  for (Eigen::Index i = 0; i < params.size(); ++i) {
    Vec p = params;
    p[i] += h;
    const double up = f(p);
    p[i] -= 2 * h;
    numeric[i] = (up - f(p)) / (2 * h);
  }
  return numeric;
}

// Weights of both signs, as advantages have.
Vec Weights(Eigen::Index n, core::Rng& rng) { return RandomMatrix(n, 1, rng).col(0); }

// The gradient of the surrogate sum_j w_j log pi(a_j | s_j) + c sum_j H_j, without and with
// an entropy bonus, at perturbed initial parameters (away from the near-uniform start), for
// actions the policy drew itself and weights of both signs.
void ExpectSurrogateGradientMatchesCentralDifferences(Policy<double>& policy, int observations, core::Rng& rng) {
  Vec params(policy.ParameterCount());
  policy.Initialize(rng, params);
  params += 0.3 * RandomMatrix(params.size(), 1, rng).col(0);
  const Mat obs = RandomMatrix(observations, 7, rng);
  Mat actions;
  policy.Act(params, obs, rng, false, actions);
  const Vec w = Weights(7, rng);
  for (const double entropy : {0.0, 0.7}) {
    SCOPED_TRACE("entropy weight " + std::to_string(entropy));
    Vec grad(params.size()), scratch(params.size());
    policy.Surrogate(params, obs, actions, w, entropy, grad);
    const Vec numeric =
        NumericGradient([&](const Vec& p) { return policy.Surrogate(p, obs, actions, w, entropy, scratch); }, params);
    EXPECT_LT((grad - numeric).norm() / numeric.norm(), 1e-6);
  }
}

// The Hessian-vector product of S (no entropy bonus) against central differences of its
// gradient along the direction, at perturbed parameters and a random direction.
void ExpectHessianProductMatchesCentralDifferences(Policy<double>& policy, int observations, core::Rng& rng) {
  Vec params(policy.ParameterCount());
  policy.Initialize(rng, params);
  params += 0.3 * RandomMatrix(params.size(), 1, rng).col(0);
  const Mat obs = RandomMatrix(observations, 7, rng);
  Mat actions;
  policy.Act(params, obs, rng, false, actions);
  const Vec w = Weights(7, rng);
  const Vec direction = RandomMatrix(params.size(), 1, rng).col(0);
  Vec grad(params.size()), product(params.size()), surrogate_grad(params.size()), up(params.size()), down(params.size());
  policy.SurrogateHessianProduct(params, obs, actions, w, direction, grad, product);
  policy.Surrogate(params, obs, actions, w, 0, surrogate_grad);
  EXPECT_LT((grad - surrogate_grad).norm(), 1e-12 * surrogate_grad.norm());
  const double h = 1e-6;
  policy.Surrogate(params + h * direction, obs, actions, w, 0, up);
  policy.Surrogate(params - h * direction, obs, actions, w, 0, down);
  const Vec numeric = (up - down) / (2 * h);
  EXPECT_LT((product - numeric).norm() / numeric.norm(), 1e-6);
}

// The score products a Hessian estimate adds (ProMP's, Loaded DiCE's): the directional
// derivatives handed to the callback are g_j . v with g_j each column's own score (the
// surrogate's gradient with weight 1 on that column alone), and the product gains sum_j u_j g_j,
// here for a u that mixes neighbouring columns as Loaded DiCE's does.
void ExpectScoreProductsAreOuterProducts(Policy<double>& policy, int observations, core::Rng& rng) {
  Vec params(policy.ParameterCount());
  policy.Initialize(rng, params);
  params += 0.3 * RandomMatrix(params.size(), 1, rng).col(0);
  const int n = 6;
  const Mat obs = RandomMatrix(observations, n, rng);
  Mat actions;
  policy.Act(params, obs, rng, false, actions);
  const Vec w = Weights(n, rng);
  const Vec direction = RandomMatrix(params.size(), 1, rng).col(0);
  Vec grad(params.size()), plain(params.size()), product(params.size());
  policy.SurrogateHessianProduct(params, obs, actions, w, direction, grad, plain);
  Vec seen;
  const auto mix = [&](const Vec& d, Vec& u) {
    seen = d;
    u.resize(d.size());
    for (Eigen::Index j = 0; j < d.size(); ++j) u[j] = w[j] * d[j] + (j > 0 ? 0.5 * d[j - 1] : 0.0);
  };
  const typename Policy<double>::ScoreProducts products(mix);
  policy.SurrogateHessianProduct(params, obs, actions, w, direction, grad, product, &products);
  Vec expected = plain, score(params.size());
  ASSERT_EQ(seen.size(), n);
  for (int j = 0; j < n; ++j) {
    policy.Surrogate(params, obs, actions, Vec::Unit(n, j), 0, score);
    EXPECT_NEAR(seen[j], score.dot(direction), 1e-12 * (1 + std::abs(seen[j]))) << "column " << j;
    expected += (w[j] * seen[j] + (j > 0 ? 0.5 * seen[j - 1] : 0.0)) * score;
  }
  EXPECT_GT((expected - plain).norm(), 0.1 * plain.norm()) << "the outer products must matter for the test to mean anything";
  EXPECT_LT((product - expected).norm(), 1e-12 * expected.norm());
}

TEST(CategoricalPolicyTest, ScoreProductsAreOuterProductsOfScores) {
  for (const std::vector<int>& hidden : {std::vector<int>{}, std::vector<int>{8, 6}}) {
    core::Rng rng(16);
    CategoricalPolicy<double> policy(4, 3, hidden);
    ExpectScoreProductsAreOuterProducts(policy, 4, rng);
  }
}

TEST(GaussianPolicyTest, ScoreProductsAreOuterProductsOfScores) {
  for (const std::vector<int>& hidden : {std::vector<int>{}, std::vector<int>{8, 6}}) {
    core::Rng rng(17);
    GaussianPolicy<double> policy(5, 2, hidden, -0.5);
    ExpectScoreProductsAreOuterProducts(policy, 5, rng);
  }
}

// The product after a Surrogate reuses its passes and must be the very same numbers, in a clone
// as in the original, with score products too.
void ExpectProductAfterSurrogateIsTheSame(Policy<double>& policy, int observations, core::Rng& rng) {
  Vec params(policy.ParameterCount());
  policy.Initialize(rng, params);
  params += 0.3 * RandomMatrix(params.size(), 1, rng).col(0);
  const Mat obs = RandomMatrix(observations, 9, rng);
  Mat actions;
  policy.Act(params, obs, rng, false, actions);
  const Vec w = Weights(9, rng), direction = RandomMatrix(params.size(), 1, rng).col(0);
  const auto lvc = [&](const Vec& d, Vec& u) { u = w.cwiseProduct(d); };
  const typename Policy<double>::ScoreProducts products(lvc);
  for (const auto* score : {static_cast<const typename Policy<double>::ScoreProducts*>(nullptr), &products}) {
    Vec grad(params.size()), full(params.size()), after(params.size());
    policy.SurrogateHessianProduct(params, obs, actions, w, direction, grad, full, score);
    const auto clone = policy.Clone();
    clone->Surrogate(params, obs, actions, w, 0, grad);
    clone->HessianProductAfterSurrogate(params, obs, actions, w, direction, after, score);
    EXPECT_EQ(after, full);
  }
}

TEST(PolicyTest, HessianProductAfterSurrogateIsTheFullProduct) {
  core::Rng rng(18);
  CategoricalPolicy<double> categorical(4, 3, {8, 6});
  ExpectProductAfterSurrogateIsTheSame(categorical, 4, rng);
  GaussianPolicy<double> gaussian(5, 2, {8, 6}, -0.5);
  ExpectProductAfterSurrogateIsTheSame(gaussian, 5, rng);
  Vec out(categorical.ParameterCount());
  EXPECT_THROW(CategoricalPolicy<double>(4, 3, {8}).HessianProductAfterSurrogate(Vec::Zero(67), Mat::Zero(4, 2), Mat::Zero(1, 2),
                                                                                 Vec::Ones(2), Vec::Zero(67), out.head(67)),
               std::logic_error);
}

const std::vector<int> kHiddenLayers[] = {{}, {8, 6}};

TEST(CategoricalPolicyTest, HessianProductMatchesCentralDifferences) {
  for (const std::vector<int>& hidden : kHiddenLayers) {
    SCOPED_TRACE(std::to_string(hidden.size()) + " hidden layers");
    core::Rng rng(13);
    CategoricalPolicy<double> policy(4, 3, hidden);
    ExpectHessianProductMatchesCentralDifferences(policy, 4, rng);
  }
}

TEST(GaussianPolicyTest, HessianProductMatchesCentralDifferences) {
  for (const std::vector<int>& hidden : kHiddenLayers) {
    SCOPED_TRACE(std::to_string(hidden.size()) + " hidden layers");
    core::Rng rng(14);
    GaussianPolicy<double> policy(5, 2, hidden, -0.5);
    ExpectHessianProductMatchesCentralDifferences(policy, 5, rng);
  }
}

// ReLU hidden layers (MAML-RL's policies): piecewise linear, so the Hessian is the output
// head's curvature pulled back through the active units; central differences see the same
// away from the kinks, which random inputs avoid.
TEST(PolicyTest, ReluHessianProductsMatchCentralDifferences) {
  core::Rng rng(15);
  CategoricalPolicy<double> categorical(4, 3, {8, 6}, core::Activation::kRelu);
  ExpectHessianProductMatchesCentralDifferences(categorical, 4, rng);
  GaussianPolicy<double> gaussian(5, 2, {8, 6}, -0.5, core::Activation::kRelu);
  ExpectHessianProductMatchesCentralDifferences(gaussian, 5, rng);
}

TEST(PolicyTest, ActivationNamesParseAndOthersAreRefused) {
  EXPECT_EQ(PolicyOptions::ParseActivation("relu"), core::Activation::kRelu);
  EXPECT_EQ(PolicyOptions::ParseActivation("tanh"), core::Activation::kTanh);
  EXPECT_THROW(PolicyOptions::ParseActivation("sigmoid"), std::invalid_argument);
}

TEST(CategoricalPolicyTest, SurrogateGradientMatchesCentralDifferences) {
  for (const std::vector<int>& hidden : kHiddenLayers) {
    SCOPED_TRACE(std::to_string(hidden.size()) + " hidden layers");
    core::Rng rng(3);
    CategoricalPolicy<double> policy(4, 3, hidden);
    ExpectSurrogateGradientMatchesCentralDifferences(policy, 4, rng);
  }
}

TEST(CategoricalPolicyTest, ZeroParametersAreUniform) {
  CategoricalPolicy<double> policy(3, 4, {5});
  const Vec zero = Vec::Zero(policy.ParameterCount());
  core::Rng rng(1);
  const Mat obs = RandomMatrix(3, 5, rng);
  Mat actions(1, 5);
  actions << 0, 1, 2, 3, 1;
  Vec grad(zero.size());
  EXPECT_NEAR(policy.Surrogate(zero, obs, actions, Vec::Ones(5), 0, grad), -5 * std::log(4.0), 1e-12);
  // The entropy of a uniform choice among 4 is log 4, at each of the 5 columns.
  EXPECT_NEAR(policy.Surrogate(zero, obs, actions, Vec::Zero(5), 2, grad), 2 * 5 * std::log(4.0), 1e-12);
}

TEST(CategoricalPolicyTest, SamplesFollowTheSoftmaxAndTheModeIsTheLargestLogit) {
  // A linear policy with zero weights and biases (0, 1, 2): probabilities softmax(0, 1, 2).
  CategoricalPolicy<double> policy(2, 3, {});
  Vec params = Vec::Zero(policy.ParameterCount());
  params.tail(3) << 0, 1, 2;
  const int n = 30000;
  const Mat obs = Mat::Ones(2, n);
  core::Rng rng(9);
  Mat actions;
  policy.Act(params, obs, rng, false, actions);
  const Eigen::Array3d p = Eigen::Array3d(1, std::exp(1.0), std::exp(2.0)) / (1 + std::exp(1.0) + std::exp(2.0));
  for (int a = 0; a < 3; ++a) {
    const double freq = (actions.array() == a).cast<double>().sum() / n;
    EXPECT_NEAR(freq, p[a], 4 * std::sqrt(p[a] * (1 - p[a]) / n)) << a;
  }
  policy.Act(params, obs.leftCols(3), rng, true, actions);
  EXPECT_TRUE((actions.array() == 2).all());
  // The same stream gives the same actions.
  core::Rng a(5), b(5);
  Mat first, second;
  policy.Act(params, obs.leftCols(50), a, false, first);
  policy.Act(params, obs.leftCols(50), b, false, second);
  EXPECT_EQ(first, second);
}

TEST(GaussianPolicyTest, SurrogateGradientMatchesCentralDifferences) {
  for (const std::vector<int>& hidden : kHiddenLayers) {
    SCOPED_TRACE(std::to_string(hidden.size()) + " hidden layers");
    core::Rng rng(4);
    GaussianPolicy<double> policy(5, 2, hidden, -0.5);
    ExpectSurrogateGradientMatchesCentralDifferences(policy, 5, rng);
  }
}

TEST(GaussianPolicyTest, LogProbIsTheNormalDensity) {
  // Zero network: mean 0; log-stds (log 2, log 0.5).
  GaussianPolicy<double> policy(3, 2, {4});
  Vec params = Vec::Zero(policy.ParameterCount());
  params.tail(2) << std::log(2.0), std::log(0.5);
  const Mat obs = Mat::Ones(3, 1);
  Mat action(2, 1);
  action << 1.0, -0.25;
  Vec grad(params.size());
  const double expected = -0.5 * (1.0 / 4 + 0.0625 / 0.25) - std::log(2.0) - std::log(0.5) - std::log(2 * std::numbers::pi);
  EXPECT_NEAR(policy.Surrogate(params, obs, action, Vec::Ones(1), 0, grad), expected, 1e-12);
  // A normal's entropy is log sigma + log(2 pi e) / 2 per entry.
  const double entropy = std::log(2.0) + std::log(0.5) + std::log(2 * std::numbers::pi * std::numbers::e);
  EXPECT_NEAR(policy.Surrogate(params, obs, action, Vec::Zero(1), 3, grad), 3 * entropy, 1e-12);
}

TEST(GaussianPolicyTest, SamplesHaveTheMeanAndStandardDeviation) {
  GaussianPolicy<double> policy(1, 2, {});
  Vec params = Vec::Zero(policy.ParameterCount());
  params.segment(2, 2) << 1.5, -2.0;  // output biases: the mean
  params.tail(2) << std::log(0.5), std::log(3.0);
  const int n = 40000;
  core::Rng rng(2);
  Mat actions;
  policy.Act(params, Mat::Zero(1, n), rng, false, actions);
  const Eigen::Vector2d mean = actions.rowwise().mean();
  const Eigen::Vector2d sd = ((actions.colwise() - mean).array().square().rowwise().sum() / (n - 1)).sqrt();
  EXPECT_NEAR(mean[0], 1.5, 4 * 0.5 / std::sqrt(n));
  EXPECT_NEAR(mean[1], -2.0, 4 * 3.0 / std::sqrt(n));
  EXPECT_NEAR(sd[0], 0.5, 4 * 0.5 / std::sqrt(2.0 * n));
  EXPECT_NEAR(sd[1], 3.0, 4 * 3.0 / std::sqrt(2.0 * n));
  policy.Act(params, Mat::Zero(1, 2), rng, true, actions);
  EXPECT_EQ(actions(0, 0), 1.5);
  EXPECT_EQ(actions(1, 1), -2.0);
}

// A rollout's packed weights (BeginActing) give the actions of the unpacked network, bit for bit,
// for batches of the width packed for and of others; after DoneActing, new parameters at the
// same address are read afresh.
TEST(PolicyTest, ActingWithPackedWeightsGivesTheSameActions) {
  using Vf = Eigen::VectorXf;
  using Mf = Eigen::MatrixXf;
  std::vector<std::pair<std::unique_ptr<Policy<float>>, Eigen::Index>> policies;  // with their inputs
  policies.emplace_back(std::make_unique<GaussianPolicy<float>>(2, 2, std::vector<int>{100, 100}), 2);
  policies.emplace_back(std::make_unique<CategoricalPolicy<float>>(8, 4, std::vector<int>{64, 64}), 8);
  for (const auto& [prototype, inputs] : policies) {
    core::Rng init(4);
    Vf params(prototype->ParameterCount());
    prototype->Initialize(init, params);
    for (const Eigen::Index columns : {20, 3}) {
      const std::unique_ptr<Policy<float>> plain = prototype->Clone(), packed = prototype->Clone();
      packed->BeginActing(params, 20);
      core::Rng data(columns), a(9), b(9);
      for (int step = 0; step < 5; ++step) {
        const Mf observations = RandomMatrix(inputs, columns, data).cast<float>();
        Mf plain_actions, packed_actions;
        plain->Act(params, observations, a, false, plain_actions);
        packed->Act(params, observations, b, false, packed_actions);
        ASSERT_EQ(plain_actions.size(), packed_actions.size());
        EXPECT_EQ(std::memcmp(plain_actions.data(), packed_actions.data(), sizeof(float) * static_cast<std::size_t>(plain_actions.size())), 0)
            << columns << " columns, step " << step;
      }
      packed->DoneActing();
      params *= 0.5f;  // the same vector, new values
      const Mf observations = RandomMatrix(inputs, columns, data).cast<float>();
      Mf plain_actions, packed_actions;
      plain->Act(params, observations, a, true, plain_actions);
      packed->Act(params, observations, b, true, packed_actions);
      EXPECT_EQ(plain_actions, packed_actions);
    }
  }
}

}  // namespace
}  // namespace pmlab::rl
