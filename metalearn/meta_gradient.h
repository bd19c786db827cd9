#pragma once
// Meta-gradients of the MAML family for one task, on an MLP over a flat parameter vector.
//
// Adaptation takes N gradient steps on the task's support set from the meta-parameters x:
//   phi_0 = x,  phi_{j+1} = phi_j - alpha grad L_support(phi_j).
// The MAML objective is L_query(phi_N(x)) (Finn, Abbeel & Levine 2017). Its estimators:
//  - kMaml: the exact gradient prod_{j=N-1..0} (I - alpha H_support(phi_j)) grad L_query(phi_N),
//    applied right to left with one exact Hessian-vector product per inner step;
//  - kFirstOrder: grad L_query(phi_N), the Hessian terms dropped (FOMAML);
//  - kReptile: x - phi_N (Nichol, Achiam & Schulman 2018);
//  - kMetaSgd: exact MAML with a learned step size per parameter (Li, Zhou, Chen & Li 2017):
//    the meta-parameters are (theta, a), phi_{j+1} = phi_j - a * grad L_support(phi_j)
//    elementwise, and the estimate is the exact gradient in both.
// Each is a biased estimate of the gradient of E_task L_query(phi_N(x)) when tasks and their
// batches are sampled (Beikmohammadi et al. 2025, MAML as stochastic composite optimisation).
#include <string>
#include <string_view>
#include <vector>

#include "core/nn/mlp.h"

namespace pmlab::metalearn {

enum class MetaAlgorithm { kMaml, kFirstOrder, kReptile, kMetaSgd };

/// Parses maml | fomaml | reptile | metasgd; throws std::invalid_argument naming what is allowed.
MetaAlgorithm ParseMetaAlgorithm(std::string_view name);

/// MAML's adaptation: step size and number of steps.
struct InnerLoopOptions {
  double inner_lr = 0.01;  ///< alpha > 0, the adaptation step size; default 0.01
  int inner_steps = 1;     ///< N >= 0 adaptation steps; default 1
};

/// One task's data: columns are samples, as for core::Mlp.
template <typename T>
struct TaskBatch {
  typename core::Mlp<T>::Mat support_inputs;   ///< the inner gradient's points, one per column
  typename core::Mlp<T>::Mat support_targets;  ///< their targets
  typename core::Mlp<T>::Mat query_inputs;     ///< the outer gradient's points
  typename core::Mlp<T>::Mat query_targets;    ///< their targets
  /// Optional separate sample for MAML's Hessian terms (the stochastic-composite estimator with
  /// its own Hessian batch); empty means the support set, as in standard MAML.
  typename core::Mlp<T>::Mat hessian_inputs;   ///< a separate sample for the Hessian terms (empty: the support set)
  typename core::Mlp<T>::Mat hessian_targets;  ///< their targets
  /// The task these sets were drawn from, as its family describes it.
  Eigen::VectorXd task;
};

/// The scratch of one thread: adapted parameters of every inner step and the MLP workspace,
/// so that an estimate allocates nothing once the shapes are warm.
template <typename T>
class MetaGradient {
 public:
  /// A vector of the scalar type.
  using Vec = typename core::Mlp<T>::Vec;

  /// Meta-gradients of a network of `shape` with `options` for `algorithm`.
  MetaGradient(core::MlpShape shape, core::LossHead head, InnerLoopOptions options, MetaAlgorithm algorithm);

  /// Length of the meta-parameters: the MLP's parameters, followed for Meta-SGD by as many
  /// step sizes.
  static core::Index Dimension(const core::MlpShape& shape, MetaAlgorithm algorithm);
  /// Meta-parameters to start from: the MLP initialised from `rng`, Meta-SGD's step sizes at
  /// inner_lr.
  static Vec Initial(const core::MlpShape& shape, MetaAlgorithm algorithm, double inner_lr, core::Rng& rng);

  /// Writes the estimate at x for `task` to `out`; returns the query loss after adaptation.
  T Estimate(const Eigen::Ref<const Vec>& x, const TaskBatch<T>& task, Eigen::Ref<Vec> out);

  /// The MAML objective L_query(phi_N(x)).
  T AdaptedLoss(const Eigen::Ref<const Vec>& x, const TaskBatch<T>& task);

  /// Query loss after each of 0..steps adaptation steps from x on the support set, written to
  /// `losses` (size steps + 1): the held-out learning curve of meta-testing. With `accuracies`
  /// (classification), also the fraction of query points classified right.
  void AdaptationCurve(const Eigen::Ref<const Vec>& x, const TaskBatch<T>& task, int steps, Eigen::Ref<Eigen::VectorXd> losses,
                       Eigen::VectorXd* accuracies = nullptr);

 private:
  // phi_{j+1} from phi_j, with the passes in `mlp`; leaves grad L_support(phi_j) in gradient_.
  void InnerStep(const Eigen::Ref<const Vec>& x, const Vec& from, const TaskBatch<T>& task, Vec& to, core::Mlp<T>& mlp);
  void Adapt(const Eigen::Ref<const Vec>& x, const TaskBatch<T>& task);

  core::Mlp<T> mlp_;
  // The last inner step's passes, kept for the first Hessian-vector product on the way back.
  core::Mlp<T> last_inner_;
  InnerLoopOptions options_;
  MetaAlgorithm algorithm_;
  std::vector<Vec> phi_;  // phi_0 .. phi_N
  Vec gradient_, product_, direction_;
};

extern template class MetaGradient<float>;
extern template class MetaGradient<double>;

}  // namespace pmlab::metalearn
