#pragma once
// Multi-layer perceptron over one flat parameter vector: ReLU or tanh hidden layers and a linear output
// read by a softmax cross-entropy or mean-squared-error head. Layers are views into the flat
// vector (weights column-major, then bias, layer by layer), so optimisers, compressors and
// checkpoints see a single contiguous Eigen vector. Samples are the columns of a batch matrix.
//
// An Mlp object is the scratch space of one thread: it owns the activations of the last batch,
// in memory that only grows, so a call allocates only for a batch larger than any before.
// Parameters are passed to each call.
#include <string>
#include <vector>

#include "core/nn/packed_lhs.h"
#include "core/nn/scratch_matrix.h"
#include "core/opt/function_ref.h"
#include "core/opt/rng.h"
#include "core/opt/types.h"

namespace pmlab::core {

enum class LossHead {
  kSoftmaxCrossEntropy,  ///< targets are class-probability columns (one-hot for labels)
  kMeanSquaredError,     ///< mean over all output entries of (output - target)^2
};

/// The nonlinearity of the hidden layers: ReLU (the paper's networks) or tanh (the usual choice
/// for policy-gradient policies, and smooth, so its Hessian is not piecewise constant).
enum class Activation { kRelu, kTanh };

/// Layer widths from input to output, e.g. {784, 512, 512, 10}, and the hidden activation.
struct MlpShape {
  std::vector<int> widths;  ///< inputs, hidden widths and outputs, in order
  Activation hidden = Activation::kRelu;  ///< default ReLU

  /// Number of weight layers.
  int Layers() const { return static_cast<int>(widths.size()) - 1; }
  /// Width of the input layer.
  int Inputs() const { return widths.front(); }
  /// Width of the output layer.
  int Outputs() const { return widths.back(); }
  /// Weights and biases of all layers.
  Index ParameterCount() const;
  /// "784-512-512-10", with " tanh" appended for tanh hidden layers
  std::string ToString() const;
};

/// Hidden widths written "512,512" (or "none" for no hidden layer); throws
/// std::invalid_argument naming the format.
std::vector<int> ParseHiddenWidths(const std::string& spec);

/// The weights of every layer at one parameter vector, packed once for the products with
/// batches of one width (Mlp::Pack) and then read, shared, by every thread's Mlp: a round's
/// workers multiply the same weights by batches of their own. Results are those without them.
template <typename T>
struct PackedWeights {
  const T* params = nullptr;           ///< the parameter vector packed (its address)
  std::vector<PackedLhs<T>> forward;   ///< W_l, for W_l a_(l-1)
  std::vector<PackedLhs<T>> backward;  ///< W_l^T, for W_l^T delta_l (none for the first layer)
};

template <typename T>
/// A multilayer perceptron whose parameters live in one flat vector.
class Mlp {
 public:
  /// A vector of the scalar type.
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  /// A matrix of the scalar type.
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  /// The network's own matrices (outputs, and the head's R-operator terms), as views.
  using View = typename ScratchMatrix<T>::View;
  using ConstView = typename ScratchMatrix<T>::ConstView;

  /// A network of `shape` with the loss of `head`.
  Mlp(MlpShape shape, LossHead head);

  /// Its layer widths.
  const MlpShape& shape() const { return shape_; }
  /// Its loss.
  LossHead head() const { return head_; }
  /// Length of the flat parameter vector.
  Index ParameterCount() const { return shape_.ParameterCount(); }

  /// Network outputs (logits for cross-entropy) for the columns of `inputs`; the view stays
  /// valid until the next call on this object.
  /// With `packed` (Pack of these params), the products read its weights instead of packing
  /// them again.
  ConstView Forward(const Eigen::Ref<const Vec>& params, const Mat& inputs, const PackedWeights<T>* packed = nullptr);

  /// Keeps the Forward passes that follow with packed weights (a rollout's steps, each over the
  /// same number of columns), up to `columns` columns in all, for Replay, until StopRecording. A
  /// pass meanwhile of another width, without packed weights, or beyond `columns` drops the
  /// record.
  void Record(Index columns);
  /// Ends Record's passes; what they kept stays for Replay.
  void StopRecording();
  /// Makes the record the last forward pass over the batch whose column c is recorded column
  /// order[c] (step s's column b at s times the step's columns plus b), when each column's
  /// outputs are the same bits over the batch as over a step (Replayable). Then a Forward over
  /// exactly that batch at exactly the recorded parameters, both compared entry by entry,
  /// returns it instead of computing it again: the surrogate over a rollout's batch does not
  /// repeat the rollout's passes. Ends the record; false, with nothing offered, when the record
  /// or the widths do not allow it.
  bool Replay(const std::vector<Index>& order);

  /// Packs each layer's weights at `params` for batches of `columns` inputs into `out`, whose
  /// memory grows only when the network does. `params` must outlive its use and not change.
  void Pack(const Eigen::Ref<const Vec>& params, Index columns, PackedWeights<T>& out) const;

  /// Mean loss over the batch (forward only).
  T Loss(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& targets);

  /// Mean loss over the batch, and its gradient with respect to `params` written to `gradient`.
  T LossAndGradient(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& targets,
                    Eigen::Ref<Vec> gradient, const PackedWeights<T>* packed = nullptr);

  /// After Forward(params, inputs): the gradient with respect to `params` of a loss whose
  /// derivative with respect to the network's outputs is `output_grad` (one column per input).
  /// Lets a caller bring its own head, such as a policy's log-probability.
  void Backward(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& output_grad, Eigen::Ref<Vec> gradient);

  /// Loss, gradient, and the Hessian-vector product H(params) * direction, exactly, by
  /// Pearlmutter's R-operator (forward-over-reverse; Pearlmutter 1994): one forward and one
  /// backward pass, each carrying its directional derivative. ReLU's second derivative is zero
  /// almost everywhere, so the product is exact wherever the gradient is defined; tanh's,
  /// -2 a (1 - a^2), enters the backward pass.
  T LossGradientAndHessianProduct(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& targets,
                                  const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> gradient,
                                  Eigen::Ref<Vec> hessian_product);

  /// LossGradientAndHessianProduct's product alone, when the last call on this object was
  /// LossAndGradient(params, inputs, targets): its passes are not repeated (MAML's last inner
  /// step computes that gradient before the query set is seen).
  void LossHessianProductAfterGradient(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& targets,
                                       const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> hessian_product);

  /// The head's second derivative: from R(z), the directional derivative of the outputs, to
  /// R(d loss / d z), written to its second argument (of the same shape).
  using HeadHessian = FunctionRef<void(ConstView r_outputs, View r_output_grad)>;

  /// After Forward(params, inputs): Backward's gradient for a loss whose derivative with
  /// respect to the outputs is `output_grad`, and the exact Hessian-vector product along
  /// `direction`, for a head of the caller's (a policy's log-probability) described by `head`.
  void BackwardWithHessianProduct(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& output_grad,
                                  const Eigen::Ref<const Vec>& direction, HeadHessian head, Eigen::Ref<Vec> gradient,
                                  Eigen::Ref<Vec> hessian_product);

  /// BackwardWithHessianProduct's product alone, when the last calls were Forward(params,
  /// inputs) and Backward over the same inputs: their passes are not repeated.
  void HessianProductAfterBackward(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Eigen::Ref<const Vec>& direction,
                                   HeadHessian head, Eigen::Ref<Vec> hessian_product);

  /// The outputs of the last forward pass.
  ConstView outputs() const { return act_.back().view(); }

  /// Columns of `outputs` whose largest entry is at the same row as the largest of `targets`.
  static Index CountCorrect(const Eigen::Ref<const Mat>& outputs, const Mat& targets);

  /// PyTorch's default nn.Linear initialisation: weights and biases U(-1/sqrt(fan_in), +).
  static void Initialize(const MlpShape& shape, Rng& rng, Eigen::Ref<Vec> params);

 private:
  /// Loss of the last forward pass; with `gradient`, also d loss / d output into delta_.back().
  T HeadLoss(const Mat& targets, bool gradient);
  /// The input of layer l: `inputs` for the first, the previous layer's activations after.
  ConstView LayerInput(const Mat& inputs, int l) const;
  /// With act_ and delta_ of a forward and backward pass: the R-operator's forward pass, the
  /// head's R(delta_L), and its backward pass into `hessian_product`.
  void HessianProductPasses(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Eigen::Ref<const Vec>& direction,
                            HeadHessian head, Eigen::Ref<Vec> hessian_product);
  /// Whether Replay gives a batch of `batch` columns recorded in steps of `step` the bits of
  /// Forward over it: each layer's product by the direct kernel, with every entry summed alike
  /// over a step and over the batch (PackedLhs::SameSums; the batch's last columns short of four,
  /// summed otherwise, are formed again), or a depth-one outer product; and tanh over whole
  /// packets at every width, a multiple of four (Eigen's scalar tanh for a last few entries
  /// need not round as its packets do, so the same entries must fall in them).
  bool Replayable(Index step, Index batch) const;
  /// Forward's step under Record: its inputs kept, and the step's index in the record (-1, with
  /// the record dropped, when it is not a step of the rollout).
  Index RecordStep(const Eigen::Ref<const Vec>& params, const Mat& inputs, bool packed);
  /// Where the record keeps step `step` of layer i's output (i = 0: of the inputs).
  View RecordedStep(int i, Index step);
  /// Whether act_ is Replay's pass and it is that of `params` over `inputs`.
  bool Replays(const Eigen::Ref<const Vec>& params, const Mat& inputs) const;
  /// Backpropagates delta_ of the output layer (set by the caller) into `gradient`.
  void Backpropagate(const Eigen::Ref<const Vec>& params, const Mat& inputs, Eigen::Ref<Vec> gradient,
                     const PackedWeights<T>* packed = nullptr);

  MlpShape shape_;
  LossHead head_;
  std::vector<Index> offsets_;  // start of layer l's weights in the flat vector
  std::vector<ScratchMatrix<T>> act_;      // act_[l]: output of layer l (post-ReLU for hidden layers)
  std::vector<ScratchMatrix<T>> delta_;    // delta_[l]: d loss / d pre-activation of layer l
  std::vector<ScratchMatrix<T>> r_act_;    // R-operator (directional derivative) of act_
  std::vector<ScratchMatrix<T>> r_delta_;  // R-operator of delta_
  std::vector<ScratchMatrix<T>> back_;     // back_[l - 1]: W_l^T delta_l before tanh's derivative, for its R-operator
  Vec probs_;                   // softmax of one output column
  // Record's: the inputs (record_[0]) and each layer's output (record_[l + 1]) of every step, a
  // step a column; the parameters; the columns of a step, the most, and those kept so far.
  std::vector<ScratchMatrix<T>> record_;
  Vec record_params_;
  Index record_step_ = 0, record_capacity_ = 0, recorded_ = 0;
  bool recording_ = false;
  ScratchMatrix<T> replay_inputs_;  // Replay's batch, when act_ holds its pass
  Mat tail_inputs_;                 // Replay's last columns short of four, and the four before
  std::vector<Mat> tail_;           // their passes' last columns, per layer
  bool replayed_ = false;
};

extern template class Mlp<float>;
extern template class Mlp<double>;

}  // namespace pmlab::core
