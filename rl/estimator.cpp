#include "rl/estimator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pmlab::rl {

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

namespace {

// reinforce: every step of an episode weighs its whole truncated return, w_t = R - b.
class Reinforce final : public Estimator {
 public:
  void Validate(const EstimatorOptions& o) const override {
    if (o.baseline == Baseline::kValue)
      throw std::invalid_argument("--baseline: reinforce weighs whole episodes and takes none or mean; for a value baseline use gpomdp");
  }
  bool per_step() const override { return false; }
  void Weigh(const EstimatorOptions& o, const std::vector<EpisodeSegment>& episodes, const Eigen::VectorXd& rewards,
             const Eigen::VectorXd& /*values*/, const Eigen::VectorXd& /*bootstrap*/, Eigen::VectorXd& weights,
             Eigen::VectorXd& targets) const override {
    RewardsToGo(o.discount, episodes, rewards, targets);
    double mean = 0;
    if (o.baseline == Baseline::kMean && !episodes.empty()) {
      for (const EpisodeSegment& ep : episodes) mean += ep.length ? targets[ep.start] : 0.0;
      mean /= static_cast<double>(episodes.size());
    }
    weights.resize(rewards.size());
    for (const EpisodeSegment& ep : episodes)
      weights.segment(ep.start, ep.length).setConstant((ep.length ? targets[ep.start] : 0.0) - mean);
  }
};

// gpomdp: each step weighs its reward-to-go, w_t = G_t - b_t.
class Gpomdp final : public Estimator {
 public:
  void Weigh(const EstimatorOptions& o, const std::vector<EpisodeSegment>& episodes, const Eigen::VectorXd& rewards,
             const Eigen::VectorXd& values, const Eigen::VectorXd& /*bootstrap*/, Eigen::VectorXd& weights,
             Eigen::VectorXd& targets) const override {
    RewardsToGo(o.discount, episodes, rewards, targets);
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
};

// gae: w_t = A_t, the lambda-weighted sum of TD errors; an episode cut before the MDP ended
// bootstraps V of its last observation.
class Gae : public Estimator {
 public:
  void Validate(const EstimatorOptions& o) const override {
    if (o.baseline != Baseline::kValue)
      throw std::invalid_argument("--baseline: gae needs a value function (--baseline value), or use --estimator gpomdp");
  }
  void Weigh(const EstimatorOptions& o, const std::vector<EpisodeSegment>& episodes, const Eigen::VectorXd& rewards,
             const Eigen::VectorXd& values, const Eigen::VectorXd& bootstrap, Eigen::VectorXd& weights,
             Eigen::VectorXd& targets) const override {
    const double gamma = o.discount;
    weights.resize(rewards.size());
    targets.resize(rewards.size());
    for (std::size_t e = 0; e < episodes.size(); ++e) {
      const EpisodeSegment& ep = episodes[e];
      double next_value = ep.terminated ? 0.0 : bootstrap[static_cast<Eigen::Index>(e)];
      double advantage = 0;
      for (Eigen::Index j = ep.start + ep.length - 1; j >= ep.start; --j) {
        advantage = rewards[j] + gamma * next_value - values[j] + gamma * o.gae_lambda * advantage;
        weights[j] = advantage;
        targets[j] = advantage + values[j];
        next_value = values[j];
      }
    }
  }
};

// ppo: GAE's weights, and PPO's clipped probability ratio on the steps that reuse them.
class Ppo final : public Gae {
 public:
  explicit Ppo(ReuseClip clip) : clip_(clip) {}
  ReuseClip reuse_clip() const override { return clip_; }

 private:
  ReuseClip clip_;
};

template <typename E>
EstimatorRegistry::Binder Shared() {
  return [](Spec&) { return [] { return std::shared_ptr<const Estimator>(std::make_shared<E>()); }; };
}

PMLAB_REGISTER(Estimators(), "reinforce", "w_t = R - b: each step weighs its episode's whole truncated return", Shared<Reinforce>());
PMLAB_REGISTER(Estimators(), "gpomdp", "w_t = gamma^t (G_t - b_t): each step weighs its reward-to-go", Shared<Gpomdp>());
PMLAB_REGISTER(Estimators(), "gae", "w_t = gamma^t A_t: generalised advantages (--gae-lambda; needs --baseline value)", Shared<Gae>());
PMLAB_REGISTER(Estimators(), "ppo", "gae's weights; reused samples (--epochs, --minibatches) weigh by their clipped ratio (Schulman et al. 2017)",
               [](Spec& spec) {
                 ReuseClip clip{.ratio = 0.2, .value = 0};
                 spec.Number("ratio_clip", &clip.ratio, "epsilon: a ratio outside [1 - epsilon, 1 + epsilon] stops its sample's gradient, > 0");
                 if (!(clip.ratio > 0)) spec.Reject("ratio_clip", "must be > 0");
                 spec.Number("value_clip", &clip.value,
                             "a value prediction that moved further than this from the draw's stops its loss's gradient where "
                             "clipping it is the worse fit (PPO2's); 0 = no clip, >= 0");
                 if (!(clip.value >= 0)) spec.Reject("value_clip", "must be >= 0");
                 return [clip] { return std::shared_ptr<const Estimator>(std::make_shared<Ppo>(clip)); };
               });

}  // namespace

EstimatorRegistry& Estimators() {
  static EstimatorRegistry registry("estimator", "RL estimators", "rl --estimator, meta --estimator");
  return registry;
}

std::shared_ptr<const Estimator> MakeEstimator(const std::string& spec) { return Estimators().Make(spec); }

void Estimator::Validate(const EstimatorOptions& /*options*/) const {}

void RewardsToGo(double gamma, const std::vector<EpisodeSegment>& episodes, const Eigen::VectorXd& rewards, Eigen::VectorXd& targets) {
  targets.resize(rewards.size());
  for (const EpisodeSegment& ep : episodes) {
    double to_go = 0;
    for (Eigen::Index j = ep.start + ep.length - 1; j >= ep.start; --j) targets[j] = to_go = rewards[j] + gamma * to_go;
  }
}

void EstimatorOptions::Validate() const {
  if (!(discount > 0 && discount <= 1)) throw std::invalid_argument("--discount: must be in (0, 1]");
  if (!(gae_lambda >= 0 && gae_lambda <= 1)) throw std::invalid_argument("--gae-lambda: must be in [0, 1]");
  estimator->Validate(*this);
}

double EstimatorWeights(const EstimatorOptions& o, const std::vector<EpisodeSegment>& episodes, const Eigen::VectorXd& rewards,
                        const Eigen::VectorXd& values, const Eigen::VectorXd& bootstrap, Eigen::VectorXd& weights,
                        Eigen::VectorXd& targets) {
  const Eigen::Index n = rewards.size();
  o.estimator->Weigh(o, episodes, rewards, values, bootstrap, weights, targets);
  double scale = 1;
  if (o.normalize_advantages && n > 1) {
    const double mean = weights.mean();
    const double std = std::sqrt((weights.array() - mean).square().sum() / static_cast<double>(n));
    scale = 1 / (std + 1e-8);
    weights = ((weights.array() - mean) * scale).matrix();
  }
  if (o.estimator->per_step() && o.weighting == StateWeighting::kDiscounted) {
    for (const EpisodeSegment& ep : episodes) {
      double discount = std::pow(o.discount, ep.first_t);  // 1 for an episode that began in this batch
      for (Eigen::Index j = ep.start; j < ep.start + ep.length; ++j, discount *= o.discount) weights[j] *= discount;
    }
  }
  return scale;
}

}  // namespace pmlab::rl
