// Stale gradients: a bias source of asynchronous training. Each worker holds a least-squares
// problem f_i(x) = |A_i x - b_i|^2 / (2m) and returns the gradient at the iterate of `delay`
// rounds ago instead of the current one. The last `delay` iterates are state the problem owns
// between iterations: pmlab saves them in every checkpoint, so a resumed run continues bit for
// bit.
//
//   stale_lab train --problem "stale-lsq(delay=4)" --workers 8 --iters 200 --lr 0.05 --out runs/stale
//   stale_lab resume runs/stale --iters 400
#include <cstdint>
#include <deque>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <pmlab/pmlab.h>

namespace {

using pmlab::core::Index;
using pmlab::core::Vector;

class StaleLeastSquares final : public pmlab::core::GradientOracle, public pmlab::core::ProblemState {
 public:
  StaleLeastSquares(int workers, Index dimension, Index rows, int delay, std::uint64_t seed) : delay_(delay) {
    // The data are a pure function of the seed, so a resumed run rebuilds them exactly.
    pmlab::core::Rng rng(seed, pmlab::core::StreamKind::kProblem);
    const Eigen::VectorXd truth = Eigen::VectorXd::NullaryExpr(dimension, [&] { return rng.Normal(); });
    for (int i = 0; i < workers; ++i) {
      Eigen::MatrixXd a = Eigen::MatrixXd::NullaryExpr(rows, dimension, [&] { return rng.Normal(); });
      Eigen::VectorXd b = a * truth + 0.1 * Eigen::VectorXd::NullaryExpr(rows, [&] { return rng.Normal(); });
      a_.push_back(std::move(a));
      b_.push_back(std::move(b));
    }
  }

  Index Dimension() const override { return a_.front().cols(); }

  // Called concurrently for different workers: reads the shared history, writes only `gradient`.
  pmlab::core::OracleResult Estimate(int worker, const Vector& x, pmlab::core::Rng& /*rng*/, Eigen::Ref<Vector> gradient) override {
    const bool late = delay_ > 0 && history_.size() == static_cast<std::size_t>(delay_);
    const Eigen::VectorXd at = (late ? history_.front() : x).cast<double>();
    const Eigen::MatrixXd& a = a_[static_cast<std::size_t>(worker)];
    const Eigen::VectorXd residual = a * at - b_[static_cast<std::size_t>(worker)];
    const double m = static_cast<double>(a.rows());
    gradient = (a.transpose() * residual / m).cast<float>();
    return {residual.squaredNorm() / (2 * m)};
  }

  // Serial, once per iteration, after the server's step: the new iterate joins the history.
  void MergeWorkers(std::int64_t /*iteration*/, const Vector& x) override {
    if (delay_ == 0) return;
    history_.push_back(x);
    if (history_.size() > static_cast<std::size_t>(delay_)) history_.pop_front();
  }

  // The problem-owned state: the iterates the next gradients are taken at.
  std::uint32_t StateVersion() const override { return 1; }
  void SaveState(pmlab::core::CheckpointOutputArchive& ar) const override {
    ar(static_cast<std::uint64_t>(history_.size()));
    for (const Vector& x : history_) ar(x);
  }
  void LoadState(pmlab::core::CheckpointInputArchive& ar, std::uint32_t version) override {
    if (version != 1) throw std::runtime_error("stale-lsq: unknown state version " + std::to_string(version));
    std::uint64_t count = 0;
    ar(count);
    if (count > static_cast<std::uint64_t>(delay_)) throw std::runtime_error("stale-lsq: the checkpoint holds more iterates than the delay");
    history_.assign(count, Vector());
    for (Vector& x : history_) ar(x);
  }

  double Loss(const Vector& x) const {
    double sum = 0;
    for (std::size_t i = 0; i < a_.size(); ++i) sum += (a_[i] * x.cast<double>() - b_[i]).squaredNorm() / (2.0 * a_[i].rows());
    return sum / static_cast<double>(a_.size());
  }

 private:
  int delay_;
  std::vector<Eigen::MatrixXd> a_;
  std::vector<Eigen::VectorXd> b_;
  std::deque<Vector> history_;
};

struct StaleOptions {
  std::int64_t delay = 2, dimension = 20, rows = 50;
};

PMLAB_REGISTER(pmlab::supervised::Problems(), "stale-lsq", "least squares whose gradients are taken at the iterate of `delay` rounds ago",
               [](pmlab::Spec& spec) {
                 StaleOptions o;
                 spec.Integer("delay", &o.delay, 0, 1000, "rounds by which every gradient is late");
                 spec.Integer("dim", &o.dimension, 1, 100000, "parameters");
                 spec.Integer("rows", &o.rows, 1, 100000, "rows of A_i per worker");
                 return [o](const pmlab::supervised::TrainConfig& c, pmlab::core::WorkerPool&) {
                   auto oracle = std::make_shared<StaleLeastSquares>(c.workers, o.dimension, o.rows, static_cast<int>(o.delay), c.seed);
                   pmlab::core::RunProblem p;
                   p.oracle = oracle;
                   p.state = oracle;
                   p.x0 = Vector::Zero(o.dimension);
                   p.evaluate = [oracle](const Vector& x) { return pmlab::core::Evaluation{oracle->Loss(x), std::nullopt}; };
                   p.name = "stale-lsq";
                   std::ostringstream d;
                   d << "least squares, d = " << o.dimension << ", " << c.workers << " workers x " << o.rows << " rows, gradients "
                     << o.delay << " rounds late";
                   p.description = d.str();
                   return p;
                 };
               });

}  // namespace

int main(int argc, char** argv) { return pmlab::Main(argc, argv); }
