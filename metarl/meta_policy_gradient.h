#pragma once
// Meta-gradients of MAML for policies (Finn, Abbeel & Levine 2017, Sec. 5.3) from the sampled
// episodes of one task. Adaptation takes N policy-gradient steps from x, each on a fresh batch
// D_j of E episodes drawn with the current policy:
//   phi_0 = x,  phi_{j+1} = phi_j + alpha g_j,  g_j = grad S_j(phi_j) / m_j,
// where S_j = sum over D_j of w_t log pi(a_t | s_t) with the estimator's weights w (numbers, once
// D_j is drawn) and m_j its divisor (E, or the steps). The meta-objective is the adapted
// policy's discounted return, J(phi_N), estimated by the mean discounted return J_out of a
// fresh batch D_out. Its gradient in x is estimated by
//  - maml-pg: the outer policy gradient at phi_N pulled back through every step's Jacobian,
//    g <- (I + alpha H_j / m_j) g, with H_j the exact Hessian of S_j (Hessian-vector products).
//    It ignores that D_j was drawn from phi_j, as the original MAML-RL code does: biased.
//  - maml-pg-dice: adds at each step the score-function term of D_j's sampling,
//    c (J_out - b) grad log p_phi_j(D_j), with b a baseline fixed before the draws. Its
//    expectation is the gradient of E J(phi_N) for the truncated horizon (the term DiCE,
//    Foerster et al. 2018, and ProMP, Rothfuss et al. 2019, restore). c puts the term on the
//    outer gradient's scale: that gradient estimates c grad J with c = E / m and, with
//    advantage normalisation, 1 / std of the outer batch's advantages. Exactly unbiased with
//    the per-episode mean and no normalisation (c = 1); otherwise c is itself random, as the
//    normalisation already makes every policy gradient here.
//    With --dice-baseline loaded it takes Loaded DiCE's form instead (Farquhar et al. 2019, with
//    the baseline of Mao et al. 2019, lambda = 1): each step's Jacobian uses the Hessian of the
//    inner surrogate sum_t w_t [box(W_t) - box(W_{t-1})], W_t the episode's log-probabilities
//    up to t and box the magic box,
//      H_j = sum_t w_t [grad^2 log pi_t + G_t G_t^T - G_{t-1} G_{t-1}^T],  G_t = grad W_t,
//    an unbiased Hessian of the inner return whose baselines act at every order. It is the score
//    term linearised in alpha (J_out(phi_{j+1}) ~ J_out + alpha g_j . grad J_out), so it keeps the
//    correction to first order in alpha at a fraction of the exact term's variance; biased by
//    O(alpha^2).
//  - promp: ProMP's low-variance curvature (LVC) estimator (Rothfuss et al. 2019): H_j is the
//    Hessian of sum_t w_t pi_t / box(pi_t), sum_t w_t [grad^2 log pi_t + g_t g_t^T], Loaded
//    DiCE's without the products of scores at different steps. Those have a non-zero mean, so
//    the Hessian, and with it the meta-gradient, is biased even to first order in alpha; ProMP's
//    trust region and clipped outer objective are not part of it (the outer step is the
//    server's).
//  - fomaml-pg: the outer policy gradient alone (the Hessian terms dropped).
//  - reptile: the displacement phi_N - x (Nichol, Achiam & Schulman 2018).
// An estimate is written as a loss gradient, minus the ascent direction; the loss is -J_out.
//
// The baseline `value` is fitted to each batch's own returns (the linear features of
// linear_value.h), as MAML-RL's feature baseline is.
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "rl/batch_gradient.h"
#include "rl/estimator.h"
#include "rl/linear_value.h"
#include "metarl/task_episodes.h"
#include "rl/policy.h"

namespace pmlab::rl {

enum class MetaPolicyAlgorithm { kMamlPg, kMamlPgDice, kProMp, kFomamlPg, kReptile };

/// maml-pg | maml-pg-dice | promp | fomaml-pg | reptile; std::invalid_argument naming them otherwise.
MetaPolicyAlgorithm ParseMetaPolicyAlgorithm(std::string_view name);
const char* MetaPolicyAlgorithmName(MetaPolicyAlgorithm algorithm);

/// maml-pg-dice's correction: the exact score term with the mean adapted return as baseline, or
/// Loaded DiCE's Hessian.
enum class DiceBaseline { kMean, kLoaded };
/// mean | loaded; std::invalid_argument naming them otherwise.
DiceBaseline ParseDiceBaseline(std::string_view name);
const char* DiceBaselineName(DiceBaseline baseline);

struct MetaPolicyOptions {
  MetaPolicyAlgorithm algorithm = MetaPolicyAlgorithm::kMamlPg;
  double inner_lr = 0.1;  ///< alpha
  int inner_steps = 1;    ///< N
  int horizon = 100;      ///< H, for the value baseline's time features
  EstimatorOptions estimator;  ///< the weights of every batch, inner and outer
  DiceBaseline dice_baseline = DiceBaseline::kMean;  ///< maml-pg-dice only
  /// For bias measurement: the outer batch replaced by the task's exact return and its gradient
  /// (TaskEpisodes::ExactReturn), so that an estimate is its expectation given the inner batches.
  bool exact_outer = false;
};

/// One thread's scratch: the adapted parameters and batches of every step.
class MetaPolicyGradient {
 public:
  /// `policy`: a policy of the task family's spaces, over `observations` inputs (the
  /// estimator's own scratch). Throws std::invalid_argument for options out of range.
  MetaPolicyGradient(std::unique_ptr<Policy<float>> policy, int observations, MetaPolicyOptions options);

  /// Writes the estimate at x for a task to `out` and returns -J_out. `score_baseline` is b of
  /// maml-pg-dice's score-function term.
  double Estimate(const Eigen::Ref<const core::Vector>& x, TaskEpisodes& task, core::Rng& rng, double score_baseline,
                  Eigen::Ref<core::Vector> out);

  /// Mean undiscounted return of the batch drawn before each adaptation step from x and after
  /// the last, step j of size step_sizes[j] taken on the batch before it: the held-out learning
  /// curve of meta-testing (`returns` has one more entry than `step_sizes`). `path`, if given,
  /// receives the parameters the batches were drawn with (fewer on divergence).
  void AdaptationCurve(const Eigen::Ref<const core::Vector>& x, TaskEpisodes& task, core::Rng& rng, std::span<const double> step_sizes,
                       Eigen::Ref<Eigen::VectorXd> returns, std::vector<core::Vector>* path = nullptr);

  Policy<float>& policy() { return *policy_; }

 private:
  /// The estimator's weights of `batch` divided by its divisor m, into `weights`. Returns c, the
  /// factor by which the surrogate's gradient scales the plain one, sum_t A_t grad log pi / E:
  /// E / m times advantage normalisation's 1 / std.
  double Weigh(const EpisodeBatch& batch, core::Vector& weights);
  /// J_out at phi_N and the outer gradient into direction_, from the batch or exactly; the
  /// gradient's scale c (see Weigh). False when the batch diverged.
  bool Outer(TaskEpisodes& task, core::Rng& rng, double& adapted_return, double& outer_scale);

  std::unique_ptr<Policy<float>> policy_;
  std::unique_ptr<Policy<float>> last_inner_;  // the last inner step's surrogate, kept for its Hessian product
  MetaPolicyOptions options_;
  LinearValue value_;
  LinearValue::Normal normal_;
  std::vector<core::Vector> phi_;     // phi_0 .. phi_N
  std::vector<StoredBatch> batches_;  // D_0 .. D_{N-1}, then D_out
  std::vector<core::Vector> weights_;  // w / m of each batch
  Eigen::VectorXd values_, bootstrap_, raw_weights_, targets_, features_;
  core::Vector ones_, direction_, product_, scratch_, exact_;
};

/// Loaded DiCE's score products along v (Policy::ScoreProducts), from d_t = grad log pi_t . v:
/// sum_t w_t [g_t (G_t . v) + G_{t-1} d_t] = sum_t u_t g_t with u_t = w_t D_t + sum_{t' > t} w_t' d_t',
/// D_t = sum_{t' <= t} d_t', within each episode. (ProMP's are u_t = w_t d_t.)
void LoadedDiceScoreWeights(const std::vector<EpisodeSegment>& episodes, const core::Vector& w, const core::Vector& d, core::Vector& u);

/// The mean over a batch's episodes of their discounted return sum_t gamma^t r_t.
double MeanDiscountedReturn(const EpisodeBatch& batch, double discount);

}  // namespace pmlab::rl
