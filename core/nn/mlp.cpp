#include "core/nn/mlp.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <utility>

#ifdef PMLAB_OPENBLAS
#include <cblas.h>
#endif

#include "core/nn/product_blocking.h"

namespace pmlab::core {
namespace {

// Where a product kernel (OpenBLAS or Eigen's) finds an operand: a plain column-major matrix or
// map, or the transpose of one.
template <typename M>
struct BlasOperand {
  static constexpr bool kTransposed = false;
  static const auto* Data(const M& m) { return m.data(); }
  static Index Stride(const M& m) { return m.outerStride(); }
};
template <typename M>
struct BlasOperand<Eigen::Transpose<M>> {
  static constexpr bool kTransposed = true;
  static const auto* Data(const Eigen::Transpose<M>& m) { return m.nestedExpression().data(); }
  static Index Stride(const Eigen::Transpose<M>& m) { return m.nestedExpression().outerStride(); }
};

#ifdef PMLAB_OPENBLAS
extern "C" void openblas_set_num_threads(int);
// Parallelism is over logical workers; a multi-threaded BLAS inside each worker would
// oversubscribe the cores and make timings erratic.
[[maybe_unused]] const bool kBlasSingleThreaded = (openblas_set_num_threads(1), true);

void Gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, Index m, Index n, Index k, const float* a, Index lda, const float* b, Index ldb,
          float beta, float* c, Index ldc) {
  cblas_sgemm(CblasColMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a, static_cast<int>(lda), b,
              static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}
void Gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, Index m, Index n, Index k, const double* a, Index lda, const double* b, Index ldb,
          double beta, double* c, Index ldc) {
  cblas_dgemm(CblasColMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, a, static_cast<int>(lda), b,
              static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}
#endif

// dst (+)= op(a) op(b) with Eigen's kernel; op transposes operands given as Transpose<...>.
template <typename Dst, typename A, typename B>
void EigenGemm(Dst& dst, const A& a, const B& b, bool add, ScratchBlocking<typename Dst::Scalar>& blocking) {
  using T = typename Dst::Scalar;
  using OpA = BlasOperand<std::decay_t<A>>;
  using OpB = BlasOperand<std::decay_t<B>>;
  constexpr int kOrderA = OpA::kTransposed ? Eigen::RowMajor : Eigen::ColMajor;
  constexpr int kOrderB = OpB::kTransposed ? Eigen::RowMajor : Eigen::ColMajor;
  using Kernel = Eigen::internal::general_matrix_matrix_product<Index, T, kOrderA, false, T, kOrderB, false, Eigen::ColMajor, 1>;
  thread_local Eigen::Matrix<T, Eigen::Dynamic, 1> scratch;
  blocking.Use(scratch);
  if (!add) dst.setZero();
  Kernel::run(a.rows(), b.cols(), a.cols(), OpA::Data(a), OpA::Stride(a), OpB::Data(b), OpB::Stride(b), dst.data(), 1,
              dst.outerStride(), T(1), blocking, nullptr);
}

// dst (+)= a b when a is one contiguous column (depth 1: a layer with one input, or the
// transpose of one with one output), which Eigen's product kernel would pack and dispatch at
// several times the cost of the multiplications (the sine tasks' 40 x 1 layers). Each product is
// that kernel's fma(a, b, +0) = a * b + 0 exactly, a -0 included, added to dst afterwards as it
// adds its result, so results do not move.
template <typename Dst, typename A, typename B>
bool OuterProduct(Dst& dst, const A& a, const B& b, bool add) {
  using T = typename std::decay_t<Dst>::Scalar;
  using OpA = BlasOperand<std::decay_t<A>>;
  if (a.cols() != 1 || (OpA::kTransposed && OpA::Stride(a) != 1)) return false;
  const Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> column(OpA::Data(a), a.rows());
  for (Index j = 0; j < b.cols(); ++j) {
    if (add) dst.col(j).array() += column * b(0, j) + T(0);
    else dst.col(j).array() = column * b(0, j) + T(0);
  }
  return true;
}

// dst (+)= a b by PackedLhs's direct kernel, which reads b where it lies (the batch's side of a
// layer's product, or its transpose in a weight gradient) and writes dst once; a is packed as
// Eigen's kernel would pack it. False when the kernel declines.
template <typename Dst, typename A, typename B>
bool DirectProduct(Dst& dst, const A& a, const B& b, bool add) {
  using OpA = BlasOperand<std::decay_t<A>>;
  using OpB = BlasOperand<std::decay_t<B>>;
  thread_local PackedLhs<float> lhs;  // one per thread and operand kind; grows once
  if (OpA::kTransposed || b.cols() >= PackedLhs<float>::kBorrowBelowColumns) lhs.Pack(OpA::Data(a), a.rows(), a.cols(), OpA::Stride(a), OpA::kTransposed, b.cols());
  else lhs.Borrow(OpA::Data(a), a.rows(), a.cols(), OpA::Stride(a), b.cols());
  if constexpr (OpB::kTransposed) return lhs.MultiplyTransposed(b.nestedExpression(), dst, {.add = add});
  else return lhs.Multiply(b, dst, {.add = add});
}

// dst = a b, or dst += a b with `add`; dst has its final shape.
template <typename Dst, typename A, typename B>
void Product(Dst&& dst, const A& a, const B& b, bool add = false) {
  if (OuterProduct(dst, a, b, add)) return;
#ifdef PMLAB_OPENBLAS
  if (a.rows() * a.cols() * b.cols() > kBlasProduct) {
    using OpA = BlasOperand<std::decay_t<A>>;
    using OpB = BlasOperand<std::decay_t<B>>;
    Gemm(OpA::kTransposed ? CblasTrans : CblasNoTrans, OpB::kTransposed ? CblasTrans : CblasNoTrans, a.rows(), b.cols(), a.cols(),
         OpA::Data(a), OpA::Stride(a), OpB::Data(b), OpB::Stride(b), add ? 1 : 0, dst.data(), dst.outerStride());
    return;
  }
#endif
  if constexpr (std::is_same_v<typename std::decay_t<Dst>::Scalar, float>) {
    if (PackedLhs<float>::Direct(a.rows(), b.cols(), a.cols()) && DirectProduct(dst, a, b, add)) return;
  }
  if (b.cols() > 1 && a.rows() > 1) {
    ScratchBlocking<typename std::decay_t<Dst>::Scalar> blocking(a.rows(), b.cols(), a.cols());
    if (!blocking.FitsOnStack()) return EigenGemm(dst, a, b, add, blocking);
  }
  if (add) dst.noalias() += a * b;
  else dst.noalias() = a * b;
}

}  // namespace

std::vector<int> ParseHiddenWidths(const std::string& spec) {
  std::vector<int> widths;
  if (spec.empty() || spec == "none") return widths;
  std::stringstream in(spec);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    int w = 0;
    try {
      w = std::stoi(item, &used);
    } catch (const std::exception&) {
    }
    if (used == 0 || used != item.size() || w < 1 || w > 65536)
      throw std::invalid_argument("'" + spec + "' must be widths from 1 to 65536 separated by commas, e.g. 512,512 (or none)");
    widths.push_back(w);
  }
  if (spec.back() == ',') throw std::invalid_argument("'" + spec + "' ends with a comma");
  return widths;
}

Index MlpShape::ParameterCount() const {
  Index count = 0;
  for (int l = 0; l < Layers(); ++l) count += Index{widths[l + 1]} * (widths[l] + 1);
  return count;
}

std::string MlpShape::ToString() const {
  std::string s;
  for (std::size_t i = 0; i < widths.size(); ++i) s += (i ? "-" : "") + std::to_string(widths[i]);
  return hidden == Activation::kTanh ? s + " tanh" : s;
}

template <typename T>
Mlp<T>::Mlp(MlpShape shape, LossHead head) : shape_(std::move(shape)), head_(head) {
  if (shape_.widths.size() < 2) throw std::invalid_argument("an MLP needs at least input and output widths");
  for (int w : shape_.widths)
    if (w < 1) throw std::invalid_argument("MLP layer widths must be positive");
  Index offset = 0;
  for (int l = 0; l < shape_.Layers(); ++l) {
    offsets_.push_back(offset);
    offset += Index{shape_.widths[l + 1]} * (shape_.widths[l] + 1);
  }
  act_.resize(shape_.Layers());
  delta_.resize(shape_.Layers());
  r_act_.resize(shape_.Layers());
  r_delta_.resize(shape_.Layers());
  back_.resize(shape_.Layers());
}

template <typename T>
void Mlp<T>::Pack(const Eigen::Ref<const Vec>& params, Index columns, PackedWeights<T>& out) const {
  if (params.size() != ParameterCount()) throw std::invalid_argument("MLP parameters must have ParameterCount() entries");
  const int layers = shape_.Layers();
  out.params = params.data();
  out.forward.resize(static_cast<std::size_t>(layers));
  out.backward.resize(static_cast<std::size_t>(layers));
  for (int l = 0; l < layers; ++l) {
    const int in = shape_.widths[l], out_width = shape_.widths[l + 1];
    const T* w = params.data() + offsets_[l];
    out.forward[static_cast<std::size_t>(l)].Pack(w, out_width, in, out_width, false, columns);
    if (l > 0) out.backward[static_cast<std::size_t>(l)].Pack(w, in, out_width, out_width, true, columns);
  }
}

namespace {

template <typename T>
void CheckPacked(const PackedWeights<T>* packed, const T* params) {
  if (packed && packed->params != params) throw std::logic_error("packed weights of other parameters");
}

}  // namespace

template <typename T>
typename Mlp<T>::ConstView Mlp<T>::LayerInput(const Mat& inputs, int l) const {
  return l == 0 ? ConstView(inputs.data(), inputs.rows(), inputs.cols()) : act_[l - 1].view();
}

template <typename T>
typename Mlp<T>::ConstView Mlp<T>::Forward(const Eigen::Ref<const Vec>& params, const Mat& inputs, const PackedWeights<T>* packed) {
  CheckPacked(packed, params.data());
  // (A step under Record is formed in the record even when it repeats the replayed batch.)
  if (replayed_ && !recording_ && Replays(params, inputs)) return outputs();
  replayed_ = false;
  // A step of a rollout under Record is formed in its place in the record.
  const Index step = recording_ ? RecordStep(params, inputs, packed != nullptr) : -1;
  const int layers = shape_.Layers();
  const T* prev_data = inputs.data();
  for (int l = 0; l < layers; ++l) {
    const int in = shape_.widths[l], out = shape_.widths[l + 1];
    Eigen::Map<const Mat> w(params.data() + offsets_[l], out, in);
    Eigen::Map<const Vec> b(params.data() + offsets_[l] + Index{out} * in, out);
    const ConstView prev(prev_data, in, inputs.cols());
    View z = step >= 0 ? RecordedStep(l + 1, step) : act_[l].Resize(out, prev.cols());
    // The bias and ReLU: with packed weights, applied as the product is stored.
    const typename PackedLhs<T>::Finish finish{.bias = b.data(), .relu = l + 1 < layers && shape_.hidden == Activation::kRelu};
    if (!packed || !packed->forward[static_cast<std::size_t>(l)].Multiply(prev, z, finish)) {
      Product(z, w, prev);
      PackedLhs<T>::ApplyFinish(z, finish);
    }
    if (l + 1 < layers && shape_.hidden == Activation::kTanh) z.array() = z.array().tanh();
    prev_data = z.data();
  }
  if (step < 0) return outputs();
  const View out = RecordedStep(layers, step);
  return ConstView(out.data(), out.rows(), out.cols());
}

template <typename T>
void Mlp<T>::Record(Index columns) {
  recording_ = columns > 0;
  record_capacity_ = columns;
  recorded_ = 0;
}

template <typename T>
void Mlp<T>::StopRecording() {
  recording_ = false;
}

template <typename T>
Index Mlp<T>::RecordStep(const Eigen::Ref<const Vec>& params, const Mat& inputs, bool packed) {
  const Index columns = inputs.cols();
  if (!packed || (recorded_ > 0 && columns != record_step_) || recorded_ + columns > record_capacity_) {
    // Not a step of the rollout: the record would not be its passes.
    recording_ = false;
    recorded_ = 0;
    return -1;
  }
  if (recorded_ == 0) {
    record_step_ = columns;
    record_params_ = params;
    record_.resize(static_cast<std::size_t>(shape_.Layers()) + 1);
    // A step's block of each layer starts on a packet's boundary, as a matrix of its own does,
    // so that the passes over it take the same paths.
    constexpr Index kAlign = EIGEN_MAX_ALIGN_BYTES / sizeof(T);
    for (int i = 0; i <= shape_.Layers(); ++i)
      record_[static_cast<std::size_t>(i)].Resize((shape_.widths[i] * columns + kAlign - 1) / kAlign * kAlign, record_capacity_ / columns);
  }
  const Index step = recorded_ / record_step_;
  RecordedStep(0, step) = inputs;
  recorded_ += columns;
  return step;
}

template <typename T>
typename Mlp<T>::View Mlp<T>::RecordedStep(int i, Index step) {
  return View(record_[static_cast<std::size_t>(i)].view().col(step).data(), shape_.widths[i], record_step_);
}

template <typename T>
bool Mlp<T>::Replay(const std::vector<Index>& order) {
  const Index recorded = recorded_;  // a record is replayed once
  recording_ = false;
  recorded_ = 0;
  replayed_ = false;
  const auto columns = static_cast<Index>(order.size());
  if (recorded == 0 || !Replayable(record_step_, columns)) return false;
  for (const Index c : order)
    if (c < 0 || c >= recorded) throw std::logic_error("Mlp::Replay: a column beyond the record");
  // Column c of the record: column c % E of step c / E. An episode's columns are a run of
  // steps, a step's block apart in the record.
  const auto gather = [&](int i, Index first, Index count, auto&& to) {
    const Index block = record_[static_cast<std::size_t>(i)].view().rows();
    for (Index c = 0, run = 1; c < count; c += run) {
      const Index at = order[static_cast<std::size_t>(first + c)];
      for (run = 1; c + run < count && order[static_cast<std::size_t>(first + c + run)] == at + run * record_step_;) ++run;
      const T* from = RecordedStep(i, at / record_step_).col(at % record_step_).data();
      to.middleCols(c, run) = Eigen::Map<const Mat, 0, Eigen::OuterStride<>>(from, shape_.widths[i], run, Eigen::OuterStride<>(block));
    }
  };
  // The batch's last columns short of four are summed otherwise than the same columns in fours
  // of a step: they are formed again as the last of a product from the four columns before them,
  // as the batch's product forms them.
  const Index tail = columns % 4, body = columns - tail;
  const int layers = shape_.Layers();
  if (tail > 0) {
    tail_inputs_.resize(shape_.Inputs(), 4 + tail);
    gather(0, body - 4, 4 + tail, tail_inputs_);
    Forward(record_params_, tail_inputs_);
    tail_.resize(static_cast<std::size_t>(layers));
    for (int l = 0; l < layers; ++l) tail_[static_cast<std::size_t>(l)] = std::as_const(act_[l]).view().rightCols(tail);
  }
  gather(0, 0, columns, replay_inputs_.Resize(shape_.Inputs(), columns));
  for (int l = 0; l < layers; ++l) {
    View a = act_[l].Resize(shape_.widths[l + 1], columns);
    gather(l + 1, 0, body, a);
    if (tail > 0) a.rightCols(tail) = tail_[static_cast<std::size_t>(l)];
  }
  replayed_ = true;
  return true;
}

template <typename T>
bool Mlp<T>::Replays(const Eigen::Ref<const Vec>& params, const Mat& inputs) const {
  // Bit for bit: the parameters and inputs the record was made with, so the outputs are too.
  const ConstView batch = replay_inputs_.view();
  return params.size() == record_params_.size() && inputs.rows() == batch.rows() && inputs.cols() == batch.cols() &&
         std::memcmp(params.data(), record_params_.data(), sizeof(T) * static_cast<std::size_t>(params.size())) == 0 &&
         std::memcmp(inputs.data(), batch.data(), sizeof(T) * static_cast<std::size_t>(inputs.size())) == 0;
}

template <typename T>
bool Mlp<T>::Replayable(Index step, Index batch) const {
  if constexpr (!std::is_same_v<T, float>) {
    return false;
  } else {
    const Index tail = batch % 4;
    if (step % 4 != 0 || batch < 8) return false;
    constexpr Index kPacket = Eigen::internal::packet_traits<T>::size;
    for (int l = 0; l < shape_.Layers(); ++l) {
      const Index in = shape_.widths[l], out = shape_.widths[l + 1];
      // A layer of one input is a depth-one outer product, the same for any width.
      if (in > 1 && !(PackedLhs<T>::SameSums(out, in, step, batch) && (tail == 0 || PackedLhs<T>::SameSums(out, in, batch, 4 + tail))))
        return false;
      const bool tanh = l + 1 < shape_.Layers() && shape_.hidden == Activation::kTanh;
      if (tanh && out * 4 % kPacket != 0) return false;
    }
    return true;
  }
}

template <typename T>
T Mlp<T>::HeadLoss(const Mat& targets, bool gradient) {
  const ConstView out = outputs();
  if (targets.rows() != out.rows() || targets.cols() != out.cols())
    throw std::invalid_argument("MLP targets must have one column per input and one row per output");
  const T batch = static_cast<T>(out.cols());
  View output_grad = gradient ? delta_.back().Resize(out.rows(), out.cols()) : View(nullptr, 0, 0);
  T loss = 0;
  if (head_ == LossHead::kMeanSquaredError) {
    const T count = batch * static_cast<T>(out.rows());
    loss = (out - targets).squaredNorm() / count;
    if (gradient) output_grad = (out - targets) * (T(2) / count);
    return loss;
  }
  for (Index j = 0; j < out.cols(); ++j) {
    const T max = out.col(j).maxCoeff();
    const T lse = max + std::log((out.col(j).array() - max).exp().sum());
    loss += (targets.col(j).array() * (lse - out.col(j).array())).sum();
    if (gradient)
      output_grad.col(j).array() = ((out.col(j).array() - lse).exp() * targets.col(j).sum() - targets.col(j).array()) / batch;
  }
  return loss / batch;
}

template <typename T>
T Mlp<T>::Loss(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& targets) {
  Forward(params, inputs);
  return HeadLoss(targets, false);
}

template <typename T>
T Mlp<T>::LossAndGradient(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& targets,
                          Eigen::Ref<Vec> gradient, const PackedWeights<T>* packed) {
  Forward(params, inputs, packed);
  const T loss = HeadLoss(targets, true);
  Backpropagate(params, inputs, gradient, packed);
  return loss;
}

template <typename T>
void Mlp<T>::Backward(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& output_grad, Eigen::Ref<Vec> gradient) {
  if (output_grad.rows() != outputs().rows() || output_grad.cols() != outputs().cols())
    throw std::invalid_argument("MLP output gradient must match the outputs of the last forward pass");
  delta_.back().Resize(output_grad.rows(), output_grad.cols()) = output_grad;
  Backpropagate(params, inputs, gradient);
}

template <typename T>
void Mlp<T>::Backpropagate(const Eigen::Ref<const Vec>& params, const Mat& inputs, Eigen::Ref<Vec> gradient,
                           const PackedWeights<T>* packed) {
  const int layers = shape_.Layers();
  for (int l = layers - 1; l >= 0; --l) {
    const int in = shape_.widths[l], out = shape_.widths[l + 1];
    const ConstView prev = LayerInput(inputs, l);
    const ConstView delta = std::as_const(delta_[l]).view();
    Eigen::Map<Mat> gw(gradient.data() + offsets_[l], out, in);
    Eigen::Map<Vec> gb(gradient.data() + offsets_[l] + Index{out} * in, out);
    Product(gw, delta, prev.transpose());
    gb = delta.rowwise().sum();
    if (l == 0) break;
    // Back through the weights, then through the activation: ReLU passes where act > 0 (exactly
    // where z > 0); tanh' = 1 - act^2.
    Eigen::Map<const Mat> w(params.data() + offsets_[l], out, in);
    // W^T delta, from the packed weights when there are some (which apply ReLU's mask as they
    // store it).
    const PackedLhs<T>* back_packed = packed ? &packed->backward[static_cast<std::size_t>(l)] : nullptr;
    View d = delta_[l - 1].Resize(in, prev.cols());
    if (shape_.hidden == Activation::kRelu) {
      const typename PackedLhs<T>::Finish mask{.mask = prev.data(), .mask_stride = prev.outerStride()};
      if (!back_packed || !back_packed->Multiply(delta, d, mask)) {
        Product(d, w.transpose(), delta);
        PackedLhs<T>::ApplyFinish(d, mask);
      }
    } else {
      // W^T delta is kept: tanh's R-operator needs it again (HessianProductPasses).
      View back = back_[l - 1].Resize(in, prev.cols());
      if (!back_packed || !back_packed->Multiply(delta, back)) Product(back, w.transpose(), delta);
      d.array() = back.array() * (T(1) - prev.array().square());
    }
  }
}

template <typename T>
T Mlp<T>::LossGradientAndHessianProduct(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& targets,
                                        const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> gradient,
                                        Eigen::Ref<Vec> hessian_product) {
  const T loss = LossAndGradient(params, inputs, targets, gradient);  // fills act_ and delta_
  LossHessianProductAfterGradient(params, inputs, targets, direction, hessian_product);
  return loss;
}

template <typename T>
void Mlp<T>::LossHessianProductAfterGradient(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& targets,
                                             const Eigen::Ref<const Vec>& direction, Eigen::Ref<Vec> hessian_product) {
  if (delta_.front().cols() != inputs.cols())
    throw std::logic_error("LossHessianProductAfterGradient needs a LossAndGradient over these inputs first");
  const ConstView out = outputs();
  const T batch = static_cast<T>(out.cols());
  HessianProductPasses(params, inputs, direction, [&](ConstView rz, View rd) {
    if (head_ == LossHead::kMeanSquaredError) {
      rd = rz * (T(2) / (batch * static_cast<T>(out.rows())));
      return;
    }
    for (Index j = 0; j < out.cols(); ++j) {
      const T max = out.col(j).maxCoeff();
      probs_ = (out.col(j).array() - max).exp();
      probs_ /= probs_.sum();
      // (diag(p) - p p^T) R(z), scaled by the column's target mass as the gradient is.
      rd.col(j) = (probs_.cwiseProduct(rz.col(j)) - probs_ * probs_.dot(rz.col(j))) * (targets.col(j).sum() / batch);
    }
  }, hessian_product);
}

template <typename T>
void Mlp<T>::HessianProductAfterBackward(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Eigen::Ref<const Vec>& direction,
                                         HeadHessian head, Eigen::Ref<Vec> hessian_product) {
  if (delta_.front().cols() != inputs.cols()) throw std::logic_error("HessianProductAfterBackward needs a Backward over these inputs first");
  HessianProductPasses(params, inputs, direction, head, hessian_product);
}

template <typename T>
void Mlp<T>::BackwardWithHessianProduct(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Mat& output_grad,
                                        const Eigen::Ref<const Vec>& direction, HeadHessian head,
                                        Eigen::Ref<Vec> gradient, Eigen::Ref<Vec> hessian_product) {
  Backward(params, inputs, output_grad, gradient);  // fills delta_ (act_ is the caller's Forward)
  HessianProductPasses(params, inputs, direction, head, hessian_product);
}

template <typename T>
void Mlp<T>::HessianProductPasses(const Eigen::Ref<const Vec>& params, const Mat& inputs, const Eigen::Ref<const Vec>& direction,
                                  HeadHessian head, Eigen::Ref<Vec> hessian_product) {
  const int layers = shape_.Layers();
  const auto weights = [&](const Eigen::Ref<const Vec>& flat, int l) {
    return Eigen::Map<const Mat>(flat.data() + offsets_[l], shape_.widths[l + 1], shape_.widths[l]);
  };
  const auto biases = [&](const Eigen::Ref<const Vec>& flat, int l) {
    return Eigen::Map<const Vec>(flat.data() + offsets_[l] + Index{shape_.widths[l + 1]} * shape_.widths[l], shape_.widths[l + 1]);
  };
  // Forward: R(z_l) = V_l a_{l-1} + W_l R(a_{l-1}) + c_l, and R(a_l) = s'(z_l) R(z_l).
  const auto& r_act = std::as_const(r_act_);
  const auto& delta = std::as_const(delta_);
  for (int l = 0; l < layers; ++l) {
    View rz = r_act_[l].Resize(shape_.widths[l + 1], inputs.cols());
    Product(rz, weights(direction, l), LayerInput(inputs, l));
    if (l > 0) Product(rz, weights(params, l), r_act[l - 1].view(), true);
    rz.colwise() += biases(direction, l);
    if (l + 1 < layers) {
      const ConstView act = std::as_const(act_[l]).view();
      const auto a = act.array();
      if (shape_.hidden == Activation::kRelu) rz.array() = (a > T(0)).select(rz.array(), T(0));
      else rz.array() *= T(1) - a.square();
    }
  }
  // The head: R(delta_L) = (d^2 loss / d z_L^2) R(z_L).
  head(r_act.back().view(), r_delta_[layers - 1].Resize(shape_.Outputs(), inputs.cols()));
  // Backward: R(delta_{l-1}) = (V_l^T delta_l + W_l^T R(delta_l)) s'(z_{l-1})
  //                          + (W_l^T delta_l) s''(z_{l-1}) R(z_{l-1}),
  // where for tanh s'' R(z) = -2 a s' R(z) = -2 a R(a), and for ReLU s'' = 0; and
  // R(grad W_l) = R(delta_l) a_{l-1}^T + delta_l R(a_{l-1})^T, R(grad b_l) = rowsum R(delta_l).
  for (int l = layers - 1; l >= 0; --l) {
    const int in = shape_.widths[l], out_width = shape_.widths[l + 1];
    Eigen::Map<Mat> hw(hessian_product.data() + offsets_[l], out_width, in);
    Eigen::Map<Vec> hb(hessian_product.data() + offsets_[l] + Index{out_width} * in, out_width);
    const ConstView r_delta = std::as_const(r_delta_[l]).view();
    Product(hw, r_delta, LayerInput(inputs, l).transpose());
    if (l > 0) Product(hw, delta[l].view(), r_act[l - 1].view().transpose(), true);
    hb = r_delta.rowwise().sum();
    if (l == 0) break;
    View d = r_delta_[l - 1].Resize(in, inputs.cols());
    Product(d, weights(direction, l).transpose(), delta[l].view());
    Product(d, weights(params, l).transpose(), r_delta, true);
    const ConstView act = std::as_const(act_[l - 1]).view();
    const auto a = act.array();
    if (shape_.hidden == Activation::kRelu) {
      d.array() = (a > T(0)).select(d.array(), T(0));
    } else {
      d.array() = d.array() * (T(1) - a.square()) - T(2) * back_[l - 1].view().array() * a * r_act[l - 1].view().array();
    }
  }
}

template <typename T>
Index Mlp<T>::CountCorrect(const Eigen::Ref<const Mat>& outputs, const Mat& targets) {
  Index correct = 0;
  for (Index j = 0; j < outputs.cols(); ++j) {
    Index predicted = 0, expected = 0;
    outputs.col(j).maxCoeff(&predicted);
    targets.col(j).maxCoeff(&expected);
    correct += predicted == expected;
  }
  return correct;
}

template <typename T>
void Mlp<T>::Initialize(const MlpShape& shape, Rng& rng, Eigen::Ref<Vec> params) {
  if (params.size() != shape.ParameterCount()) throw std::invalid_argument("parameter vector has the wrong size");
  Index i = 0;
  for (int l = 0; l < shape.Layers(); ++l) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(shape.widths[l]));
    const Index count = Index{shape.widths[l + 1]} * (shape.widths[l] + 1);
    for (Index k = 0; k < count; ++k) params[i++] = static_cast<T>(rng.Uniform(-bound, bound));
  }
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace pmlab::core
