#include "core/nn/mlp.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace pmlab::core {
namespace {

using MlpD = Mlp<double>;

struct Case {
  MlpShape shape;
  LossHead head;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.shape.ToString() << (c.head == LossHead::kSoftmaxCrossEntropy ? " cross-entropy" : " mse");
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.head == LossHead::kSoftmaxCrossEntropy ? "CrossEntropy_" : "Mse_";
  if (info.param.shape.hidden == Activation::kTanh) name += "Tanh_";
  for (int w : info.param.shape.widths) name += std::to_string(w) + "x";
  name.pop_back();
  return name;
}

// Random inputs and targets: soft-label columns for cross-entropy, Gaussian values for MSE.
void MakeBatch(const MlpShape& shape, LossHead head, Index batch, Rng& rng, MlpD::Mat& x, MlpD::Mat& t) {
  x.resize(shape.Inputs(), batch);
  t.resize(shape.Outputs(), batch);
  for (Index i = 0; i < x.size(); ++i) x(i) = rng.Normal();
  for (Index j = 0; j < batch; ++j) {
    if (head == LossHead::kSoftmaxCrossEntropy) {
      t.col(j).setZero();
      t(static_cast<Index>(rng.Below(shape.Outputs())), j) = 1.0;
    } else {
      for (Index r = 0; r < t.rows(); ++r) t(r, j) = rng.Normal();
    }
  }
}

class MlpGradientTest : public ::testing::TestWithParam<Case> {};

TEST_P(MlpGradientTest, MatchesCentralFiniteDifferences) {
  const Case c = GetParam();
  Rng rng(7);
  MlpD mlp(c.shape, c.head);
  MlpD::Vec params(c.shape.ParameterCount());
  MlpD::Initialize(c.shape, rng, params);
  MlpD::Mat x, t;
  MakeBatch(c.shape, c.head, 6, rng, x, t);

  MlpD::Vec grad(params.size());
  mlp.LossAndGradient(params, x, t, grad);
  MlpD::Vec numeric(params.size());
  const double h = 1e-6;
  for (Index i = 0; i < params.size(); ++i) {
    MlpD::Vec p = params;
    p[i] += h;
    const double up = mlp.Loss(p, x, t);
    p[i] -= 2 * h;
    const double down = mlp.Loss(p, x, t);
    numeric[i] = (up - down) / (2 * h);
  }
  EXPECT_LT((grad - numeric).norm() / grad.norm(), 1e-6);
}

TEST_P(MlpGradientTest, HessianVectorProductMatchesDifferencesOfGradients) {
  const Case c = GetParam();
  Rng rng(11);
  MlpD mlp(c.shape, c.head);
  const Index d = c.shape.ParameterCount();
  MlpD::Vec params(d), direction(d);
  MlpD::Initialize(c.shape, rng, params);
  for (Index i = 0; i < d; ++i) direction[i] = rng.Normal();
  MlpD::Mat x, t;
  MakeBatch(c.shape, c.head, 6, rng, x, t);

  MlpD::Vec grad(d), hv(d), g_plus(d), g_minus(d), reference_grad(d);
  const double loss = mlp.LossGradientAndHessianProduct(params, x, t, direction, grad, hv);
  EXPECT_EQ(loss, mlp.LossAndGradient(params, x, t, reference_grad));
  EXPECT_EQ(grad, reference_grad);
  const double h = 1e-6;
  mlp.LossAndGradient(params + h * direction, x, t, g_plus);
  mlp.LossAndGradient(params - h * direction, x, t, g_minus);
  const MlpD::Vec numeric = (g_plus - g_minus) / (2 * h);
  EXPECT_LT((hv - numeric).norm() / numeric.norm(), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Heads, MlpGradientTest,
                         ::testing::Values(Case{{{5, 7, 4, 3}}, LossHead::kSoftmaxCrossEntropy},
                                           Case{{{5, 7, 4, 3}}, LossHead::kMeanSquaredError},
                                           Case{{{1, 40, 40, 1}}, LossHead::kMeanSquaredError},
                                           Case{{{6, 4}}, LossHead::kSoftmaxCrossEntropy},
                                           Case{{{5, 7, 4, 3}, Activation::kTanh}, LossHead::kSoftmaxCrossEntropy},
                                           Case{{{5, 7, 4, 3}, Activation::kTanh}, LossHead::kMeanSquaredError},
                                           Case{{{4, 64, 64, 2}, Activation::kTanh}, LossHead::kSoftmaxCrossEntropy}),
                         CaseName);

TEST(MlpTest, PaperNetworkHas669706Parameters) {
  EXPECT_EQ((MlpShape{{784, 512, 512, 10}}.ParameterCount()), 669706);
}

TEST(MlpTest, CrossEntropyOfUniformLogitsIsLogClasses) {
  const MlpShape shape{{3, 4}};
  Mlp<float> mlp(shape, LossHead::kSoftmaxCrossEntropy);
  Mlp<float>::Vec zero = Mlp<float>::Vec::Zero(shape.ParameterCount());
  Mlp<float>::Mat x = Mlp<float>::Mat::Random(3, 5), t = Mlp<float>::Mat::Zero(4, 5);
  t.row(2).setOnes();
  EXPECT_NEAR(mlp.Loss(zero, x, t), std::log(4.0f), 1e-6);
}

// Layers big enough that their products leave Eigen for BLAS (300 inputs by 60 samples) next
// to small ones: gradient and Hessian-vector product checked along random directions, and the
// float network (sgemm) against the double one (dgemm).
TEST(MlpTest, LargeLayersMatchDirectionalDifferencesInEveryPrecision) {
  const MlpShape shape{{300, 40, 30, 5}};
  for (const LossHead head : {LossHead::kSoftmaxCrossEntropy, LossHead::kMeanSquaredError}) {
    Rng rng(17);
    const Index d = shape.ParameterCount();
    MlpD mlp(shape, head);
    MlpD::Vec params(d), direction(d), grad(d), hv(d), g_plus(d), g_minus(d);
    MlpD::Initialize(shape, rng, params);
    for (Index i = 0; i < d; ++i) direction[i] = rng.Normal();
    MlpD::Mat x, t;
    MakeBatch(shape, head, 60, rng, x, t);
    mlp.LossGradientAndHessianProduct(params, x, t, direction, grad, hv);
    const double h = 1e-6;
    const double slope = (mlp.Loss(params + h * direction, x, t) - mlp.Loss(params - h * direction, x, t)) / (2 * h);
    EXPECT_NEAR(grad.dot(direction), slope, 1e-6 * std::abs(slope));
    mlp.LossAndGradient(params + h * direction, x, t, g_plus);
    mlp.LossAndGradient(params - h * direction, x, t, g_minus);
    const MlpD::Vec numeric = (g_plus - g_minus) / (2 * h);
    EXPECT_LT((hv - numeric).norm() / numeric.norm(), 1e-6);

    Mlp<float> mf(shape, head);
    Mlp<float>::Vec gf(d), hf(d);
    mf.LossGradientAndHessianProduct(params.cast<float>(), x.cast<float>(), t.cast<float>(), direction.cast<float>(), gf, hf);
    EXPECT_LT((grad - gf.cast<double>()).norm() / grad.norm(), 1e-4);
    EXPECT_LT((hv - hf.cast<double>()).norm() / hv.norm(), 1e-4);
  }
}

TEST(MlpTest, FloatAndDoubleAgree) {
  const MlpShape shape{{8, 16, 5}};
  Rng rng(3);
  MlpD::Vec pd(shape.ParameterCount());
  MlpD::Initialize(shape, rng, pd);
  MlpD::Mat x, t;
  MakeBatch(shape, LossHead::kSoftmaxCrossEntropy, 10, rng, x, t);
  MlpD md(shape, LossHead::kSoftmaxCrossEntropy);
  Mlp<float> mf(shape, LossHead::kSoftmaxCrossEntropy);
  MlpD::Vec gd(pd.size());
  Mlp<float>::Vec gf(pd.size());
  const double ld = md.LossAndGradient(pd, x, t, gd);
  const float lf = mf.LossAndGradient(pd.cast<float>(), x.cast<float>(), t.cast<float>(), gf);
  EXPECT_NEAR(ld, lf, 1e-5);
  EXPECT_LT((gd - gf.cast<double>()).norm() / gd.norm(), 1e-5);
}

// Weights packed once (Mlp::Pack) give the bits of the products that pack them each time: the
// paper's network over 600 images, layers whose depth Eigen's kernel splits into blocks, rows it
// splits into blocks over an rhs packed once, tanh layers, and batches of other widths than the
// one packed for (1 and 37 columns: other kernels or block sizes, multiplied as before).
TEST(MlpTest, PackedWeightsGiveTheSameBits) {
  struct PackCase {
    MlpShape shape;
    Index packed_for;
    std::vector<Index> batches;
  };
  const std::vector<PackCase> cases = {
      {{{784, 512, 512, 10}}, 600, {600, 37}},
      {{{2000, 64, 3}}, 40, {40, 1}},
      {{{64, 1000, 3}}, 100, {100}},
      {{{30, 50, 40, 2}, Activation::kTanh}, 20, {20, 3}},
  };
  for (const PackCase& c : cases) {
    Rng rng(5);
    Mlp<float> plain(c.shape, LossHead::kSoftmaxCrossEntropy), packed(c.shape, LossHead::kSoftmaxCrossEntropy);
    Mlp<float>::Vec params(c.shape.ParameterCount());
    Mlp<float>::Initialize(c.shape, rng, params);
    PackedWeights<float> weights;
    packed.Pack(params, c.packed_for, weights);
    for (const Index batch : c.batches) {
      MlpD::Mat xd, td;
      MakeBatch(c.shape, LossHead::kSoftmaxCrossEntropy, batch, rng, xd, td);
      const Mlp<float>::Mat x = xd.cast<float>(), t = td.cast<float>();
      Mlp<float>::Vec g_plain(params.size()), g_packed(params.size());
      const float loss_plain = plain.LossAndGradient(params, x, t, g_plain);
      const float loss_packed = packed.LossAndGradient(params, x, t, g_packed, &weights);
      SCOPED_TRACE(c.shape.ToString() + " over " + std::to_string(batch));
      EXPECT_EQ(std::bit_cast<std::uint32_t>(loss_plain), std::bit_cast<std::uint32_t>(loss_packed));
      EXPECT_EQ(std::memcmp(g_plain.data(), g_packed.data(), sizeof(float) * static_cast<std::size_t>(g_plain.size())), 0);
      EXPECT_EQ(std::memcmp(plain.outputs().data(), packed.outputs().data(), sizeof(float) * static_cast<std::size_t>(plain.outputs().size())), 0);
    }
  }
}

// A rollout's passes kept step by step (Record) and replayed over its batch (Replay) are the bits
// of Forward over that batch: columns in another order than the steps took them, batches whose
// last columns are short of four (formed again), tanh and ReLU, a layer of one input. A Forward at
// other parameters computes its own; a record broken by another pass, or of steps whose columns
// are not in fours, is not replayed.
TEST(MlpTest, ReplayedPassesGiveForwardsBits) {
  if (!PackedLhs<float>::Direct(100, 20, 100)) GTEST_SKIP() << "this build has no direct kernel (AVX-512 and FMA)";
  using Mat = Mlp<float>::Mat;
  struct ReplayCase {
    MlpShape shape;
    Index step;
  };
  const std::vector<ReplayCase> cases = {
      {{{2, 100, 100, 2}, Activation::kTanh}, 20},  // PointNav's policy
      {{{1, 64, 64, 3}}, 12},
      {{{8, 48, 5}, Activation::kTanh}, 16},
  };
  constexpr Index kSteps = 10;
  const auto same = [](const auto& a, const auto& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
  };
  for (const ReplayCase& c : cases) {
    Rng rng(11);
    Mlp<float> recording(c.shape, LossHead::kMeanSquaredError), plain(c.shape, LossHead::kMeanSquaredError);
    Mlp<float>::Vec params(c.shape.ParameterCount());
    Mlp<float>::Initialize(c.shape, rng, params);
    PackedWeights<float> weights;
    recording.Pack(params, c.step, weights);
    const Mat all = Mat::Random(c.shape.Inputs(), kSteps * c.step);
    for (const Index batch : {kSteps * c.step, kSteps * c.step - 1, kSteps * c.step - 2, kSteps * c.step - 7, Index{9}}) {
      SCOPED_TRACE(c.shape.ToString() + ", a batch of " + std::to_string(batch));
      recording.Record(kSteps * c.step);
      for (Index s = 0; s < kSteps; ++s) recording.Forward(params, all.middleCols(s * c.step, c.step), &weights);
      recording.StopRecording();
      std::vector<Index> order(static_cast<std::size_t>(kSteps * c.step));
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<Index>(i);
      rng.Shuffle(order.begin(), order.end());
      order.resize(static_cast<std::size_t>(batch));
      Mat x(all.rows(), batch);
      for (Index j = 0; j < batch; ++j) x.col(j) = all.col(order[static_cast<std::size_t>(j)]);
      ASSERT_TRUE(recording.Replay(order));
      // The replayed pass, before any Forward: its outputs, and through the gradient its hidden layers.
      const Mat expected = plain.Forward(params, x);
      EXPECT_TRUE(same(recording.outputs(), expected));
      const Mat output_grad = Mat::Random(expected.rows(), batch);
      Mlp<float>::Vec g_plain(params.size()), g_replayed(params.size());
      plain.Backward(params, x, output_grad, g_plain);
      recording.Backward(params, x, output_grad, g_replayed);
      EXPECT_TRUE(same(g_plain, g_replayed));
      EXPECT_TRUE(same(recording.Forward(params, x), expected));
      // Other parameters: computed, not replayed.
      Mlp<float>::Vec moved = params;
      moved[0] += 0.25f;
      EXPECT_TRUE(same(recording.Forward(moved, x), Mat(plain.Forward(moved, x))));
    }
    // A step that repeats the replayed batch (one step, again) is recorded all the same.
    std::vector<Index> step_order(static_cast<std::size_t>(c.step));
    for (std::size_t i = 0; i < step_order.size(); ++i) step_order[i] = static_cast<Index>(i);
    const Mat first = all.leftCols(c.step);
    for (int again = 0; again < 2; ++again) {
      recording.Record(c.step);
      recording.Forward(params, first, &weights);
      recording.StopRecording();
      EXPECT_TRUE(recording.Replay(step_order));
    }
    // A pass without the packed weights breaks the record.
    recording.Record(kSteps * c.step);
    recording.Forward(params, all.leftCols(c.step), &weights);
    recording.Forward(params, all.leftCols(c.step));
    recording.StopRecording();
    EXPECT_FALSE(recording.Replay({0, 1, 2, 3, 4, 5, 6, 7}));
  }
  // Steps whose columns are not in fours sum some columns otherwise than the batch does.
  Mlp<float> odd({{2, 100, 100, 2}, Activation::kTanh}, LossHead::kMeanSquaredError);
  Rng rng(3);
  Mlp<float>::Vec params(odd.ParameterCount());
  Mlp<float>::Initialize(odd.shape(), rng, params);
  PackedWeights<float> weights;
  odd.Pack(params, 10, weights);
  odd.Record(40);
  for (int s = 0; s < 4; ++s) odd.Forward(params, Mat::Random(2, 10), &weights);
  std::vector<Index> order(40);
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<Index>(i);
  EXPECT_FALSE(odd.Replay(order));
}

// The direct kernel (PackedLhs::Direct) gives the bits of Eigen's own product: every panel it
// follows (48 and 32 rows in one chain; 16, 8 and 4 in Eigen's two alternating chains, with
// depths below, at and off its steps of eight), single rows (columns in fours and not, depths
// off 16 and four, through the copy of a deep transposed operand), one block of rows or of the
// depth or several, column counts off its groups of eight and four, a transposed left operand, a
// right operand given as its transpose (a weight gradient's), a deep one copied first, rows in
// several groups of panels (a tall and deep operand, copied or not), products added to a result,
// and a left operand read where it lies (Borrow).
TEST(PackedLhsTest, DirectProductsGiveEigensBits) {
  if (!PackedLhs<float>::Direct(512, 600, 784)) GTEST_SKIP() << "this build has no direct kernel (AVX-512 and FMA)";
  EXPECT_FALSE(PackedLhs<double>::Direct(512, 600, 784));
  EXPECT_FALSE(PackedLhs<float>::Direct(512, 1, 784));    // a matrix-vector product
  using Mat = Eigen::MatrixXf;
  struct Shape {
    Index rows, columns, depth;
  };
  const std::vector<Shape> shapes = {{512, 600, 784}, {512, 13, 600}, {48, 5, 37}, {32, 12, 2},   {80, 9, 60},
                                     {512, 60, 784},  {128, 7, 500},  {512, 31, 10}, {80, 256, 300}, {100, 600, 100},
                                     {100, 20, 100},  {64, 37, 50},   {40, 10, 7},  {20, 13, 19},  {12, 9, 100},
                                     {4, 6, 33},      {100, 2000, 2},   {100, 100, 2000}, {64, 64, 3000}, {512, 40, 5000},
                                     {10, 600, 512},  {2, 2000, 100},  {2, 100, 2000}, {3, 7, 37},   {5, 33, 15},
                                     {2, 21, 3},      {101, 9, 70},   {1 + 48 + 32 + 16 + 8 + 4, 6, 200}, {2, 8, 5000},
                                     {10, 512, 600},  {2, 256, 300},  {7, 272, 256}, {302, 512, 600}};
  Rng rng(9);
  const auto random = [&](Index r, Index c) {
    Mat m(r, c);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.Normal());
    return m;
  };
  for (const Shape& s : shapes) {
    SCOPED_TRACE(std::to_string(s.rows) + " x " + std::to_string(s.depth) + " by " + std::to_string(s.columns));
    ASSERT_TRUE(PackedLhs<float>::Direct(s.rows, s.columns, s.depth));
    const Mat a = random(s.rows, s.depth), at = a.transpose(), b = random(s.depth, s.columns), bt = b.transpose();
    const Mat before = random(s.rows, s.columns);
    Mat expected(s.rows, s.columns), expected_sum = before;
    expected.noalias() = a * b;
    expected_sum.noalias() += a * b;
    const auto bytes = sizeof(float) * static_cast<std::size_t>(expected.size());
    enum class Lhs { kPacked, kPackedTransposed, kBorrowed };
    for (const Lhs kind : {Lhs::kPacked, Lhs::kPackedTransposed, Lhs::kBorrowed}) {
      PackedLhs<float> lhs;
      if (kind == Lhs::kPackedTransposed) lhs.Pack(at.data(), s.rows, s.depth, at.outerStride(), true, s.columns);
      else if (kind == Lhs::kBorrowed) lhs.Borrow(a.data(), s.rows, s.depth, a.outerStride(), s.columns);
      else lhs.Pack(a.data(), s.rows, s.depth, a.outerStride(), false, s.columns);
      Mat direct = Mat::Constant(s.rows, s.columns, std::nanf("")), transposed = direct, sum = before;
      ASSERT_TRUE(lhs.Multiply(b, direct));
      ASSERT_TRUE(lhs.MultiplyTransposed(bt, transposed));
      ASSERT_TRUE(lhs.Multiply(b, sum, {.add = true}));
      EXPECT_EQ(std::memcmp(direct.data(), expected.data(), bytes), 0);
      EXPECT_EQ(std::memcmp(transposed.data(), expected.data(), bytes), 0);
      EXPECT_EQ(std::memcmp(sum.data(), expected_sum.data(), bytes), 0);
    }
  }
}

TEST(MlpTest, PackedWeightsOfOtherParametersAreRefused) {
  const MlpShape shape{{6, 8, 3}};
  Mlp<float> mlp(shape, LossHead::kMeanSquaredError);
  Mlp<float>::Vec a = Mlp<float>::Vec::Zero(shape.ParameterCount()), b = a;
  PackedWeights<float> weights;
  mlp.Pack(a, 4, weights);
  const Mlp<float>::Mat x = Mlp<float>::Mat::Ones(6, 4);
  EXPECT_THROW(mlp.Forward(b, x, &weights), std::logic_error);
  EXPECT_NO_THROW(mlp.Forward(a, x, &weights));
}

TEST(MlpTest, CountCorrectComparesArgmax) {
  Mlp<float>::Mat out(3, 3), target = Mlp<float>::Mat::Zero(3, 3);
  out << 1, 0, 0,  //
      0, 2, 0,     //
      0, 0, -1;
  target(0, 0) = 1;  // right
  target(1, 1) = 1;  // right
  target(2, 2) = 1;  // wrong: column 2's largest output is at row 0 or 1 (0)
  EXPECT_EQ(Mlp<float>::CountCorrect(out, target), 2);
}

TEST(MlpTest, InitialisationIsWithinPyTorchBounds) {
  const MlpShape shape{{100, 30, 10}};
  Rng rng(1);
  Mlp<float>::Vec p(shape.ParameterCount());
  Mlp<float>::Initialize(shape, rng, p);
  EXPECT_LE(p.head(30 * 101).cwiseAbs().maxCoeff(), 0.1f);
  EXPECT_GT(p.head(30 * 101).cwiseAbs().maxCoeff(), 0.09f);
  EXPECT_LE(p.tail(10 * 31).cwiseAbs().maxCoeff(), 1.0f / std::sqrt(30.0f));
}

TEST(MlpTest, RejectsBadShapes) {
  EXPECT_THROW(Mlp<float>(MlpShape{{4}}, LossHead::kMeanSquaredError), std::invalid_argument);
  EXPECT_THROW(Mlp<float>(MlpShape{{4, 0, 2}}, LossHead::kMeanSquaredError), std::invalid_argument);
}

}  // namespace
}  // namespace pmlab::core
