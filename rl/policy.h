#pragma once
// What the policy-gradient machinery needs of a policy, whatever its distribution: a size, an
// initialisation, batched sampling, and the surrogate whose gradient is the estimate,
//   S(theta) = sum_j w_j log pi(a_j | s_j) + c sum_j H(pi(. | s_j)),
// with w_j the estimator's weights (advantages) and c the entropy bonus. Samples are columns.
// An object is one thread's scratch; parameters are passed to each call.
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/nn/mlp.h"
#include "core/opt/function_ref.h"
#include "core/opt/rng.h"
#include "core/opt/types.h"
#include "envs/space.h"

namespace pmlab::rl {

template <typename T>
class Policy {
 public:
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

  virtual ~Policy() = default;

  virtual core::Index ParameterCount() const = 0;
  /// Rows of an action column: 1 (an index) for a categorical policy, the box's size for a
  /// Gaussian one.
  virtual int ActionRows() const = 0;
  /// The first parameters of a run, drawn from `rng`.
  virtual void Initialize(core::Rng& rng, Eigen::Ref<Vec> params) const = 0;
  /// Prepares the calls of Act that follow with this parameter vector on batches of `columns`
  /// observations (a rollout's steps): the network's weights are packed for its products once
  /// instead of at every step, with the same results. It lasts until DoneActing; `params` must
  /// not change meanwhile. Act with other parameters is unaffected. A policy with nothing to
  /// prepare keeps the defaults, which do nothing.
  virtual void BeginActing(const Eigen::Ref<const Vec>& /*params*/, core::Index /*columns*/) {}
  virtual void DoneActing() {}
  /// Keeps the passes of the Act calls that follow, up to `columns` observation columns in all,
  /// until DoneActing, for ReplayActing: a rollout whose batch the surrogate reads next.
  virtual void RecordActing(core::Index /*columns*/) {}
  /// Offers the kept passes as the forward pass over the batch whose column c was column b of
  /// step s, order[c] = s * (BeginActing's columns) + b: the next pass over exactly that batch
  /// at exactly these parameters (a Surrogate) starts from them, where they give its bits
  /// (core::Mlp::Replay), instead of repeating them.
  virtual void ReplayActing(const std::vector<core::Index>& /*order*/) {}
  /// An action column for each observation column: sampled from `rng`, or the mode.
  virtual void Act(const Eigen::Ref<const Vec>& params, const Mat& observations, core::Rng& rng, bool mode, Mat& actions) = 0;
  /// log pi(a_j | s_j) of every column into `log_probs`, and the entropy of its distribution
  /// into `entropies`: what sample reuse weighs its probability ratios and reports by.
  virtual void LogProbabilities(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, Vec& log_probs,
                                Vec& entropies) = 0;
  /// S(params) above, and its gradient in `gradient`.
  virtual T Surrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions, const Vec& weights,
                      T entropy_weight, Eigen::Ref<Vec> gradient) = 0;
  /// Outer products of scores that a Hessian estimate adds to S's own Hessian (ProMP's and
  /// Loaded DiCE's curvature terms): from d_j = grad log pi(a_j | s_j) . direction of every
  /// column, the weights u_j of an extra sum_j u_j grad log pi(a_j | s_j) in the product.
  using ScoreProducts = core::FunctionRef<void(const Vec& directional, Vec& weights)>;

  /// The gradient of S without the entropy bonus, and its exact Hessian-vector product along
  /// `direction` (the second-order term of MAML's inner step), by the R-operator; with
  /// `score_products`, the product gains their sum, in the same passes.
  virtual void SurrogateHessianProduct(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                       const Vec& weights, const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> gradient,
                                       Eigen::Ref<Vec> hessian_product, const ScoreProducts* score_products = nullptr) = 0;
  /// SurrogateHessianProduct's product alone, when this object's last call was Surrogate with
  /// the same arguments and no entropy bonus: its forward and backward passes are not repeated
  /// (MAML's inner step computes that gradient before the outer batch is drawn).
  virtual void HessianProductAfterSurrogate(const Eigen::Ref<const Vec>& params, const Mat& observations, const Mat& actions,
                                            const Vec& weights, const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> hessian_product,
                                            const ScoreProducts* score_products = nullptr) = 0;
  /// Another policy of the same network, with scratch of its own.
  virtual std::unique_ptr<Policy<T>> Clone() const = 0;
};

/// `--policy` and `--action-dist` of a run.
struct PolicyOptions {
  std::string distribution = "auto";  ///< auto (from the action space) | categorical | gaussian
  std::vector<int> hidden = {64, 64};  ///< hidden widths; empty = linear
  double initial_log_std = 0;          ///< Gaussian policies: starting log standard deviation
  core::Activation activation = core::Activation::kTanh;  ///< of the hidden layers (MAML-RL's were ReLU)

  /// "tanh" or "relu"; std::invalid_argument otherwise.
  static core::Activation ParseActivation(const std::string& name);
  /// "mlp:64,64" or "linear" into hidden widths; std::invalid_argument otherwise.
  static std::vector<int> ParseNetwork(const std::string& spec);
  static std::string NetworkSpec(const std::vector<int>& hidden);
};

/// The policy for an environment's spaces. Throws std::invalid_argument naming --action-dist
/// when the distribution does not fit the action space, or the observation space is not a box.
template <typename T>
std::unique_ptr<Policy<T>> MakePolicy(const PolicyOptions& options, const envs::Space& observations, const envs::Space& actions);

}  // namespace pmlab::rl
