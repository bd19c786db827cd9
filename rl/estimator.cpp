#include "rl/estimator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pmlab::rl {

Estimator ParseEstimator(const std::string& text) {
  if (text == "reinforce") return Estimator::kReinforce;
  if (text == "gpomdp") return Estimator::kGpomdp;
  if (text == "gae") return Estimator::kGae;
  throw std::invalid_argument("'" + text + "' is not an estimator (allowed: reinforce, gpomdp, gae)");
}

Baseline ParseBaseline(const std::string& text) {
  if (text == "none") return Baseline::kNone;
  if (text == "mean") return Baseline::kMean;
  if (text == "value") return Baseline::kValue;
  throw std::invalid_argument("'" + text + "' is not a baseline (allowed: none, mean, value)");
}

StateWeighting ParseStateWeighting(const std::string& text) {
  if (text == "discounted") return StateWeighting::kDiscounted;
  if (text == "uniform") return StateWeighting::kUniform;
  throw std::invalid_argument("'" + text + "' is not a state weighting (allowed: discounted, uniform)");
}

GradientMean ParseGradientMean(const std::string& text) {
  if (text == "episode") return GradientMean::kEpisode;
  if (text == "step") return GradientMean::kStep;
  throw std::invalid_argument("'" + text + "' is not a gradient mean (allowed: episode, step)");
}

void EstimatorOptions::Validate() const {
  if (!(discount > 0 && discount <= 1)) throw std::invalid_argument("--discount: must be in (0, 1]");
  if (!(gae_lambda >= 0 && gae_lambda <= 1)) throw std::invalid_argument("--gae-lambda: must be in [0, 1]");
  if (estimator == Estimator::kGae && baseline != Baseline::kValue)
    throw std::invalid_argument("--baseline: gae needs a value function (--baseline value), or use --estimator gpomdp");
  if (estimator == Estimator::kReinforce && baseline == Baseline::kValue)
    throw std::invalid_argument("--baseline: reinforce weighs whole episodes and takes none or mean; for a value baseline use gpomdp");
}

double EstimatorWeights(const EstimatorOptions& o, const std::vector<EpisodeSegment>& episodes, const Eigen::VectorXd& rewards,
                        const Eigen::VectorXd& values, const Eigen::VectorXd& bootstrap, Eigen::VectorXd& weights,
                        Eigen::VectorXd& targets) {
  const double gamma = o.discount;
  const Eigen::Index n = rewards.size();
  weights.resize(n);
  targets.resize(n);
  // Rewards-to-go G_t (targets), or GAE's advantages (weights) with their lambda-returns.
  for (std::size_t e = 0; e < episodes.size(); ++e) {
    const EpisodeSegment& ep = episodes[e];
    if (o.estimator == Estimator::kGae) {
      double next_value = ep.terminated ? 0.0 : bootstrap[static_cast<Eigen::Index>(e)];
      double advantage = 0;
      for (Eigen::Index j = ep.start + ep.length - 1; j >= ep.start; --j) {
        advantage = rewards[j] + gamma * next_value - values[j] + gamma * o.gae_lambda * advantage;
        weights[j] = advantage;
        targets[j] = advantage + values[j];
        next_value = values[j];
      }
    } else {
      double to_go = 0;
      for (Eigen::Index j = ep.start + ep.length - 1; j >= ep.start; --j) targets[j] = to_go = rewards[j] + gamma * to_go;
    }
  }
  if (o.estimator == Estimator::kReinforce) {
    double mean = 0;
    if (o.baseline == Baseline::kMean && !episodes.empty()) {
      for (const EpisodeSegment& ep : episodes) mean += ep.length ? targets[ep.start] : 0.0;
      mean /= static_cast<double>(episodes.size());
    }
    for (const EpisodeSegment& ep : episodes)
      weights.segment(ep.start, ep.length).setConstant((ep.length ? targets[ep.start] : 0.0) - mean);
  } else if (o.estimator == Estimator::kGpomdp) {
    weights = targets;
    if (o.baseline == Baseline::kValue) {
      weights -= values;
    } else if (o.baseline == Baseline::kMean) {
      // b_t: the mean of G_t over the episodes still running at step t.
      int longest = 0;
      for (const EpisodeSegment& ep : episodes) longest = std::max(longest, ep.length);
      Eigen::VectorXd sum = Eigen::VectorXd::Zero(longest), count = Eigen::VectorXd::Zero(longest);
      for (const EpisodeSegment& ep : episodes) {
        sum.head(ep.length) += targets.segment(ep.start, ep.length);
        count.head(ep.length).array() += 1;
      }
      const Eigen::VectorXd b = sum.cwiseQuotient(count);
      for (const EpisodeSegment& ep : episodes) weights.segment(ep.start, ep.length) -= b.head(ep.length);
    }
  }
  double scale = 1;
  if (o.normalize_advantages && n > 1) {
    const double mean = weights.mean();
    const double std = std::sqrt((weights.array() - mean).square().sum() / static_cast<double>(n));
    scale = 1 / (std + 1e-8);
    weights = ((weights.array() - mean) * scale).matrix();
  }
  if (o.estimator != Estimator::kReinforce && o.weighting == StateWeighting::kDiscounted) {
    for (const EpisodeSegment& ep : episodes) {
      double discount = 1;
      for (Eigen::Index j = ep.start; j < ep.start + ep.length; ++j, discount *= gamma) weights[j] *= discount;
    }
  }
  return scale;
}

}  // namespace pmlab::rl
