// The MLP value baseline: its loss gradient against central differences, the standardisation
// of its targets, and a regression it must be able to fit whatever the targets' scale.
#include <gtest/gtest.h>

#include <cmath>

#include "rl/value_network.h"

namespace pmlab::rl {
namespace {

core::Matrix RandomInputs(int rows, int cols, core::Rng& rng) {
  core::Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = static_cast<float>(rng.Normal());
  return m;
}

// Loss and gradient at `params`, through the same Predict-then-LossGradient sequence the
// batch gradient uses.
double LossAndGradient(ValueNetwork& net, const core::Vector& params, const core::Matrix& steps, const Eigen::VectorXd& targets,
                       const ValueScale& scale, double c, core::Vector& gradient) {
  Eigen::VectorXd values, bootstrap;
  net.Predict(params, steps, steps.leftCols(1), scale, values, bootstrap);
  gradient.resize(params.size());
  return net.LossGradient(params, steps, targets, scale, c, gradient);
}

TEST(ValueNetworkTest, LossGradientMatchesCentralDifferences) {
  core::Rng rng(5);
  ValueNetwork net(3, {8, 8});
  core::Vector params(net.ParameterCount());
  net.Initialize(rng, params);
  const core::Matrix steps = RandomInputs(3, 12, rng);
  Eigen::VectorXd targets(12);
  for (Eigen::Index j = 0; j < targets.size(); ++j) targets[j] = 40 + 25 * rng.Normal();
  const ValueScale scale{40, 25};
  const double c = 0.3;
  core::Vector gradient, scratch;
  LossAndGradient(net, params, steps, targets, scale, c, gradient);
  // Single precision: a step of 1e-2 keeps rounding (~1e-5 relative) below the O(h^2) error.
  const float h = 1e-2f;
  Eigen::VectorXd numeric(params.size());
  for (Eigen::Index i = 0; i < params.size(); ++i) {
    core::Vector p = params;
    p[i] += h;
    const double up = LossAndGradient(net, p, steps, targets, scale, c, scratch);
    p[i] -= 2 * h;
    numeric[i] = (up - LossAndGradient(net, p, steps, targets, scale, c, scratch)) / (2 * h);
  }
  EXPECT_LT((gradient.cast<double>() - numeric).norm() / numeric.norm(), 1e-2);
}

TEST(ValueNetworkTest, ValuesAreTheStandardisedOutputMappedBack) {
  core::Rng rng(6);
  ValueNetwork net(2, {4});
  core::Vector params(net.ParameterCount());
  net.Initialize(rng, params);
  const core::Matrix steps = RandomInputs(2, 5, rng), ends = RandomInputs(2, 2, rng);
  Eigen::VectorXd unit, unit_end, scaled, scaled_end;
  net.Predict(params, steps, ends, ValueScale{}, unit, unit_end);
  net.Predict(params, steps, ends, ValueScale{-3, 7}, scaled, scaled_end);
  EXPECT_LT((scaled - (7 * unit.array() - 3).matrix()).norm(), 1e-9);
  EXPECT_LT((scaled_end - (7 * unit_end.array() - 3).matrix()).norm(), 1e-9);
  ASSERT_EQ(unit_end.size(), 2);
}

TEST(ValueNetworkTest, ScaleComesFromTheTargetsSeenSoFar) {
  RunningMoments targets(1);
  EXPECT_EQ(ValueScale::Of(targets).mean, 0);
  EXPECT_EQ(ValueScale::Of(targets).std, 1);
  for (const double y : {100.0, 120.0, 140.0}) targets.Add(Eigen::VectorXd::Constant(1, y));
  EXPECT_NEAR(ValueScale::Of(targets).mean, 120, 1e-12);
  EXPECT_NEAR(ValueScale::Of(targets).std, std::sqrt(800.0 / 3), 1e-9);
  RunningMoments constant(1);
  constant.Add(Eigen::VectorXd::Zero(1));
  EXPECT_GT(ValueScale::Of(constant).std, 0);  // no division by zero before rewards vary
}

TEST(ValueNetworkTest, GradientStepsFitTargetsOfAnyScale) {
  // Returns of a few hundred, as LunarLander's: standardised, the fit is as easy as for unit targets.
  core::Rng rng(7);
  ValueNetwork net(1, {16});
  core::Vector params(net.ParameterCount()), gradient(params.size());
  net.Initialize(rng, params);
  const core::Matrix steps = RandomInputs(1, 64, rng);
  Eigen::VectorXd targets(64);
  for (Eigen::Index j = 0; j < 64; ++j) targets[j] = -150 + 120 * std::sin(2 * steps(0, j));
  RunningMoments moments(1);
  for (Eigen::Index j = 0; j < 64; ++j) moments.Add(targets.segment<1>(j));
  const ValueScale scale = ValueScale::Of(moments);
  const double c = 1.0 / 64;  // the mean over the batch
  const double first = LossAndGradient(net, params, steps, targets, scale, c, gradient);
  double last = first;
  for (int k = 0; k < 3000; ++k) {
    last = LossAndGradient(net, params, steps, targets, scale, c, gradient);
    params -= 0.5f * gradient;
  }
  // Half the mean squared standardised error: 0.5 for a constant prediction; 5% of it is a fit.
  EXPECT_GT(first, 0.25);
  EXPECT_LT(last, 0.025);
}

}  // namespace
}  // namespace pmlab::rl
