#include "core/opt/parallel_momentum.h"

#include <cmath>
#include <stdexcept>

namespace pmlab::core {
namespace {
// Coordinates per averaging task: large enough to amortise scheduling, small enough to split
// a 670k-parameter vector over a few threads.
constexpr Index kAverageBlock = 1 << 15;
}  // namespace

ParallelMomentum::ParallelMomentum(const ParallelMomentumOptions& options, GradientOracle& oracle,
                                   WorkerPool& pool, Vector x0, std::int64_t total_iterations)
    : options_(options),
      oracle_(oracle),
      pool_(pool),
      transform_(options.transform, oracle.Dimension()),
      server_(options.momentum, total_iterations) {
  if (options.workers < 1) throw std::invalid_argument("workers must be at least 1");
  const Index d = oracle.Dimension();
  if (x0.size() != d) throw std::invalid_argument("initial parameters do not match the oracle's dimension");
  state_.x = std::move(x0);
  workers_.resize(options.workers);
  for (int i = 0; i < options.workers; ++i) {
    workers_[i].rng = Rng(options.seed, StreamKind::kWorker, static_cast<std::uint64_t>(i));
    transform_.InitMemory(workers_[i]);
  }
  slots_.resize(d, options.workers);
  average_.resize(d);
  losses_.resize(options.workers);
  stats_.resize(options.workers);
}

RoundStats ParallelMomentum::Step() {
  const Index d = oracle_.Dimension();
  const int n = options_.workers;
  const MomentumOptions& m = options_.momentum;
  const bool worker_momentum = m.placement == MomentumPlacement::kWorker;
  const bool first = state_.iteration == 0;

  pool_.ForEach(n, [&](Index i) {
    Scratch& s = scratch_.local();
    s.gradient.resize(d);
    WorkerMemory& memory = workers_[i];
    losses_[i] = oracle_.Estimate(static_cast<int>(i), state_.x, memory.rng, s.gradient).loss;
    if (worker_momentum) {
      AccumulateMomentum(m.beta, first, s.gradient, memory.momentum);
      const auto b = static_cast<float>(m.beta);
      if (m.nesterov) s.gradient = b * s.gradient + (1.0f - b) * memory.momentum;
      else s.gradient = memory.momentum;
    }
    stats_[i] = transform_.Apply(s.gradient, memory, slots_.col(i), s.work);
  });

  // Each coordinate is summed in worker order whatever the block a thread takes.
  const float inv_n = 1.0f / static_cast<float>(n);
  pool_.ForEachBlock(d, kAverageBlock, [&](Index begin, Index end) {
    auto avg = average_.segment(begin, end - begin);
    avg = slots_.col(0).segment(begin, end - begin);
    for (int i = 1; i < n; ++i) avg += slots_.col(i).segment(begin, end - begin);
    avg *= inv_n;
  });

  RoundStats r;
  double input = 0, error = 0;
  for (int i = 0; i < n; ++i) {
    r.train_loss += losses_[i];
    input += stats_[i].input_sq_norm;
    error += stats_[i].error_sq_norm;
    r.bits += stats_[i].bits;
  }
  r.train_loss /= n;
  r.transform_error = input > 0 ? error / input : 0.0;
  r.grad_norm = average_.cast<double>().norm();
  r.finite = std::isfinite(r.train_loss) && std::isfinite(r.grad_norm);
  r.iteration = state_.iteration + 1;
  if (!r.finite) return r;
  r.lr = server_.Step(average_, state_);
  // A finite average can still overflow x (a huge step): that round diverged too.
  r.finite = state_.x.allFinite();
  if (r.finite) oracle_.MergeWorkers(state_.iteration, state_.x);
  return r;
}

}  // namespace pmlab::core
