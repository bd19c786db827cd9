#include "metarl/meta_policy_gradient.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace pmlab::rl {

MetaPolicyAlgorithm ParseMetaPolicyAlgorithm(std::string_view name) {
  if (name == "maml-pg") return MetaPolicyAlgorithm::kMamlPg;
  if (name == "maml-pg-dice") return MetaPolicyAlgorithm::kMamlPgDice;
  if (name == "promp") return MetaPolicyAlgorithm::kProMp;
  if (name == "fomaml-pg") return MetaPolicyAlgorithm::kFomamlPg;
  if (name == "reptile") return MetaPolicyAlgorithm::kReptile;
  throw std::invalid_argument("unknown meta-RL algorithm '" + std::string(name) + "' (maml-pg, maml-pg-dice, promp, fomaml-pg, reptile)");
}

DiceBaseline ParseDiceBaseline(std::string_view name) {
  if (name == "mean") return DiceBaseline::kMean;
  if (name == "loaded") return DiceBaseline::kLoaded;
  throw std::invalid_argument("unknown DiCE baseline '" + std::string(name) + "' (mean, loaded)");
}

const char* DiceBaselineName(DiceBaseline baseline) { return baseline == DiceBaseline::kLoaded ? "loaded" : "mean"; }

const char* MetaPolicyAlgorithmName(MetaPolicyAlgorithm algorithm) {
  switch (algorithm) {
    case MetaPolicyAlgorithm::kMamlPg: return "maml-pg";
    case MetaPolicyAlgorithm::kMamlPgDice: return "maml-pg-dice";
    case MetaPolicyAlgorithm::kProMp: return "promp";
    case MetaPolicyAlgorithm::kFomamlPg: return "fomaml-pg";
    case MetaPolicyAlgorithm::kReptile: return "reptile";
  }
  return "?";
}

double MeanDiscountedReturn(const EpisodeBatch& batch, double discount) {
  if (batch.episodes.empty()) return 0;
  double sum = 0;
  for (const EpisodeSegment& ep : batch.episodes) {
    double weight = 1;
    for (Eigen::Index j = ep.start; j < ep.start + ep.length; ++j, weight *= discount) sum += weight * batch.rewards[j];
  }
  return sum / static_cast<double>(batch.episodes.size());
}

void LoadedDiceScoreWeights(const std::vector<EpisodeSegment>& episodes, const core::Vector& w, const core::Vector& d, core::Vector& u) {
  u.resize(d.size());
  for (const EpisodeSegment& ep : episodes) {
    float cumulative = 0, later = 0;
    for (Eigen::Index t = ep.start; t < ep.start + ep.length; ++t) {
      cumulative += d[t];
      u[t] = w[t] * cumulative;
    }
    for (Eigen::Index t = ep.start + ep.length; t-- > ep.start;) {
      u[t] += later;
      later += w[t] * d[t];
    }
  }
}

MetaPolicyGradient::MetaPolicyGradient(std::unique_ptr<Policy<float>> policy, int observations, MetaPolicyOptions options)
    : policy_(std::move(policy)),
      last_inner_(policy_->Clone()),
      options_(options),
      value_(observations, options.horizon),
      normal_(value_.Features()),
      phi_(static_cast<std::size_t>(std::max(options.inner_steps, 0)) + 1),
      batches_(phi_.size()),
      weights_(phi_.size()) {
  if (options.inner_steps < 0) throw std::invalid_argument("--inner-steps: must be >= 0");
  if (!(std::isfinite(options.inner_lr) && options.inner_lr > 0)) throw std::invalid_argument("--inner-lr: must be a finite number > 0");
  if (options.horizon < 1) throw std::invalid_argument("--horizon: must be at least 1");
  options_.estimator.Validate();
}

double MetaPolicyGradient::Weigh(const EpisodeBatch& batch, core::Vector& weights) {
  const Eigen::Index n = batch.inputs.cols();
  values_.setZero(n);
  bootstrap_.setZero(static_cast<Eigen::Index>(batch.episodes.size()));
  if (options_.estimator.baseline == Baseline::kValue) {
    // A fresh least-squares fit to this batch's rewards-to-go.
    RewardsToGo(options_.estimator.discount, batch.episodes, batch.rewards, targets_);
    normal_.Clear();
    AddLinearValueSamples(value_, batch, targets_, features_, normal_);
    value_.set_weights(Eigen::VectorXd::Zero(value_.Features()));
    value_.Fit(normal_);
    PredictLinearValues(value_, batch, features_, values_, bootstrap_);
  }
  const double normalized = EstimatorWeights(options_.estimator, batch.episodes, batch.rewards, values_, bootstrap_, raw_weights_, targets_);
  const double episodes = static_cast<double>(std::max<std::size_t>(batch.episodes.size(), 1));
  const double divisor = options_.estimator.mean == GradientMean::kStep ? static_cast<double>(std::max<Eigen::Index>(n, 1)) : episodes;
  weights = (raw_weights_ / divisor).cast<float>();
  return normalized * episodes / divisor;
}

double MetaPolicyGradient::Estimate(const Eigen::Ref<const core::Vector>& x, TaskEpisodes& task, core::Rng& rng,
                                    double score_baseline, Eigen::Ref<core::Vector> out) {
  const std::size_t steps = phi_.size() - 1;
  const float alpha = static_cast<float>(options_.inner_lr);
  // Parameters that overflow, or whose policy acts non-finitely, have no episodes to draw: the
  // estimate is reported as diverged, which the run loop stops on, keeping its last good
  // checkpoint.
  const auto diverged = [&] {
    out.setConstant(std::numeric_limits<float>::quiet_NaN());
    return std::numeric_limits<double>::quiet_NaN();
  };
  phi_[0] = x;
  scratch_.resize(x.size());
  for (std::size_t j = 0; j < steps; ++j) {
    // The last inner step's passes stay in their own object for the first Hessian-vector
    // product; it draws the batch too, so that its surrogate starts from the rollout's passes.
    Policy<float>& inner = j + 1 == steps ? *last_inner_ : *policy_;
    if (!task.Sample(inner, phi_[j], rng, batches_[j])) return diverged();
    const EpisodeBatch b = batches_[j].batch();
    Weigh(b, weights_[j]);
    inner.Surrogate(phi_[j], b.inputs, b.actions, weights_[j], 0, scratch_);
    phi_[j + 1] = phi_[j] + alpha * scratch_;
    if (!phi_[j + 1].allFinite()) return diverged();
  }
  double adapted_return = 0, outer_scale = 1;
  if (!Outer(task, rng, adapted_return, outer_scale)) return diverged();
  if (options_.algorithm == MetaPolicyAlgorithm::kReptile) {
    out = x - phi_[steps];
    return -adapted_return;
  }
  if (options_.algorithm != MetaPolicyAlgorithm::kFomamlPg) {
    product_.resize(x.size());
    const bool loaded = options_.algorithm == MetaPolicyAlgorithm::kMamlPgDice && options_.dice_baseline == DiceBaseline::kLoaded;
    const bool score_term = options_.algorithm == MetaPolicyAlgorithm::kMamlPgDice && !loaded;
    // The outer gradient estimates c grad J (c = 1 for the plain per-episode mean); the score
    // term is of the same objective c J.
    const float score_weight = static_cast<float>(outer_scale * (adapted_return - score_baseline));
    // d/dphi_j = (I + alpha H_j) d/dphi_{j+1} [+ (J_out - b) grad log p_phi_j(D_j)], H_j symmetric
    // and divided by m_j with the weights.
    for (std::size_t j = steps; j-- > 0;) {
      const EpisodeBatch b = batches_[j].batch();
      const core::Vector& w = weights_[j];
      const auto lvc = [&](const core::Vector& d, core::Vector& u) { u = w.cwiseProduct(d); };
      const auto loaded_dice = [&](const core::Vector& d, core::Vector& u) { LoadedDiceScoreWeights(b.episodes, w, d, u); };
      const Policy<float>::ScoreProducts lvc_products(lvc), loaded_products(loaded_dice);
      const Policy<float>::ScoreProducts* products =
          options_.algorithm == MetaPolicyAlgorithm::kProMp ? &lvc_products : loaded ? &loaded_products : nullptr;
      if (j + 1 == steps) last_inner_->HessianProductAfterSurrogate(phi_[j], b.inputs, b.actions, w, direction_, product_, products);
      else policy_->SurrogateHessianProduct(phi_[j], b.inputs, b.actions, w, direction_, scratch_, product_, products);
      direction_ += alpha * product_;
      if (score_term) {
        ones_.setOnes(b.inputs.cols());
        policy_->Surrogate(phi_[j], b.inputs, b.actions, ones_, 0, scratch_);
        direction_ += score_weight * scratch_;
      }
    }
  }
  out = -direction_;
  return -adapted_return;
}

bool MetaPolicyGradient::Outer(TaskEpisodes& task, core::Rng& rng, double& adapted_return, double& outer_scale) {
  const std::size_t steps = phi_.size() - 1;
  direction_.resize(phi_[steps].size());
  if (options_.exact_outer) {
    const std::optional<double> exact = task.ExactReturn(*policy_, phi_[steps], options_.estimator.discount, direction_);
    if (!exact) throw std::logic_error("exact outer gradients need a task that knows its return exactly");
    adapted_return = *exact;
    outer_scale = 1;
    return std::isfinite(adapted_return) && direction_.allFinite();
  }
  if (!task.Sample(*policy_, phi_[steps], rng, batches_[steps])) return false;
  const EpisodeBatch outer = batches_[steps].batch();
  adapted_return = MeanDiscountedReturn(outer, options_.estimator.discount);
  if (options_.algorithm == MetaPolicyAlgorithm::kReptile) return true;
  outer_scale = Weigh(outer, weights_[steps]);
  policy_->Surrogate(phi_[steps], outer.inputs, outer.actions, weights_[steps], 0, direction_);
  return true;
}

void MetaPolicyGradient::AdaptationCurve(const Eigen::Ref<const core::Vector>& x, TaskEpisodes& task, core::Rng& rng,
                                         std::span<const double> step_sizes, Eigen::Ref<Eigen::VectorXd> returns,
                                         std::vector<core::Vector>* path) {
  const std::size_t steps = step_sizes.size();
  core::Vector& phi = phi_[0];
  phi = x;
  scratch_.resize(x.size());
  StoredBatch& stored = batches_[0];
  if (path) path->clear();
  for (std::size_t k = 0; k <= steps; ++k) {
    if (path) path->push_back(phi);
    if (!task.Sample(*policy_, phi, rng, stored)) {
      returns.tail(static_cast<Eigen::Index>(steps + 1 - k)).setConstant(std::numeric_limits<double>::quiet_NaN());
      return;
    }
    const EpisodeBatch b = stored.batch();
    double total = 0;
    for (const EpisodeSegment& ep : b.episodes) total += ep.total_reward;
    returns[static_cast<Eigen::Index>(k)] = b.episodes.empty() ? 0.0 : total / static_cast<double>(b.episodes.size());
    if (k == steps) break;
    Weigh(b, weights_[0]);
    policy_->Surrogate(phi, b.inputs, b.actions, weights_[0], 0, scratch_);
    phi += static_cast<float>(step_sizes[k]) * scratch_;
  }
}

}  // namespace pmlab::rl
