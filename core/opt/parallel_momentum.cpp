#include "core/opt/parallel_momentum.h"

#include <cmath>
#include <stdexcept>

#include "core/opt/fixed_order_sum.h"
#include "core/opt/squared_norm.h"

namespace pmlab::core {
namespace {

void PutBytes(ByteWriter& out, const std::string& bytes) {
  out.Put<std::uint64_t>(bytes.size());
  out.PutBytes(bytes.data(), bytes.size());
}

std::string GetBytes(ByteReader& in) {
  const auto size = in.Get<std::uint64_t>();
  if (size > in.remaining()) throw std::runtime_error("a message between processes ended early");
  std::string bytes(size, '\0');
  in.GetBytes(bytes.data(), size);
  return bytes;
}

// x - x is 0 for a finite float and NaN otherwise, so their sum is 0 exactly when every entry
// is finite; it vectorises, where Eigen's allFinite scans one float at a time.
bool AllFinite(const Vector& x) { return (x.array() - x.array()).sum() == 0.0f; }

}  // namespace

ParallelMomentum::ParallelMomentum(const ParallelMomentumOptions& options, GradientOracle& oracle, WorkerPool& pool,
                                   Vector x0, std::int64_t total_iterations, Cluster& job)
    : options_(options),
      oracle_(oracle),
      pool_(pool),
      job_(job),
      own_(job.WorkersOf(job.rank(), options.workers)),
      transform_(options.transform, oracle.Dimension()),
      server_(options.momentum, total_iterations) {
  if (options.workers < 1) throw std::invalid_argument("workers must be at least 1");
  const Index d = oracle.Dimension();
  if (x0.size() != d) throw std::invalid_argument("initial parameters do not match the oracle's dimension");
  state_.x = std::move(x0);
  workers_.resize(options.workers);
  for (int i = own_.begin; i < own_.end; ++i) {
    workers_[i].rng = Rng(options.seed, StreamKind::kWorker, static_cast<std::uint64_t>(i));
    transform_.InitMemory(workers_[i]);
  }
  messages_.resize(options.workers);
  losses_.resize(options.workers);
  drifts_.resize(options.workers);
  stats_.resize(options.workers);
}

void ParallelMomentum::EstimateAndTransform() {
  const Index d = oracle_.Dimension();
  const MomentumOptions& m = options_.momentum;
  const bool worker_momentum = m.placement == MomentumPlacement::kWorker;
  const bool first = state_.steps == 0;
  pool_.ForEach(own_.end - own_.begin, [&](Index k) {
    const int i = own_.begin + static_cast<int>(k);
    Scratch& s = scratch_.local();
    s.gradient.resize(d);
    WorkerMemory& memory = workers_[i];
    const OracleResult result = oracle_.Estimate(i, state_.x, memory.rng, s.gradient);
    losses_[i] = result.loss;
    drifts_[i] = result.drift;
    if (worker_momentum) {
      AccumulateMomentum(m.beta, first, s.gradient, memory.momentum);
      const auto b = static_cast<float>(m.beta);
      if (m.nesterov) s.gradient = b * s.gradient + (1.0f - b) * memory.momentum;
      else s.gradient = memory.momentum;
    }
    stats_[i] = transform_.Apply(s.gradient, memory, messages_[i], s.work);
  });
}

RoundStats ParallelMomentum::Step() {
  const Index d = oracle_.Dimension();
  const int n = options_.workers;
  const RoundPlan plan = oracle_.Plan();
  const bool spread = job_.size() > 1;
  RoundStats r;
  r.iteration = state_.iteration + 1;
  double input = 0, error = 0;
  Verdict verdict = Verdict::kStepped;
  for (int step = 0; step < plan.steps; ++step) {
    oracle_.BeginStep(r.iteration, step, state_.x);
    EstimateAndTransform();
    std::vector<std::string> slots;  // every worker's slot, when the workers are spread
    if (spread) SendToServer(slots);
    if (job_.is_root()) {
      FixedOrderSum(messages_, d, pool_, average_);
      average_ *= 1.0f / static_cast<float>(n);
      double loss = 0, drift = 0;
      for (int i = 0; i < n; ++i) {
        loss += losses_[i];
        drift += drifts_[i];
      }
      loss /= n;
      drift /= n;
      const double norm = std::sqrt(SquaredNorm(average_));
      if (step == 0) {
        r.train_loss = loss;
        r.grad_norm = norm;
      }
      if (!std::isfinite(loss) || !std::isfinite(norm)) {
        verdict = Verdict::kDiverged;
      } else if (step > 0 && drift > plan.stop_above) {
        verdict = Verdict::kStopped;  // this step's estimates are dropped, as PPO's KL stop does
      } else {
        for (int i = 0; i < n; ++i) {
          input += stats_[i].input_sq_norm;
          error += stats_[i].error_sq_norm;
          r.bits += stats_[i].bits;
        }
        r.lr = server_.Step(average_, state_);
        ++r.steps;
        // A finite average can still overflow x (a huge step): that round diverged too.
        verdict = AllFinite(state_.x) ? Verdict::kStepped : Verdict::kDiverged;
      }
      if (verdict == Verdict::kStopped || (verdict == Verdict::kStepped && step + 1 == plan.steps)) ++state_.iteration;
    }
    if (spread) SendToWorkers(verdict, slots);
    if (verdict != Verdict::kStepped) break;
  }
  r.finite = verdict != Verdict::kDiverged;
  r.transform_error = input > 0 ? error / input : 0.0;
  if (r.finite) oracle_.MergeWorkers(state_.iteration, state_.x);
  return r;
}

void ParallelMomentum::SendToServer(std::vector<std::string>& slots) {
  const Index d = oracle_.Dimension();
  outgoing_.clear();
  ByteWriter out(outgoing_);
  for (int i = own_.begin; i < own_.end; ++i) {
    if (!job_.is_root()) {  // the server's own workers' messages are already in place
      out.Put(losses_[i]);
      out.Put(drifts_[i]);
      out.Put(stats_[i]);
      messages_[i].Write(out, d);
    }
    std::string slot;
    ByteWriter slot_out(slot);
    oracle_.SaveWorkerSlot(i, slot_out);
    PutBytes(out, slot);
  }
  job_.Gather(outgoing_, incoming_);
  if (!job_.is_root()) return;
  slots.assign(static_cast<std::size_t>(options_.workers), {});
  for (int rank = 0; rank < job_.size(); ++rank) {
    const WorkerRange range = job_.WorkersOf(rank, options_.workers);
    ByteReader in(incoming_[static_cast<std::size_t>(rank)]);
    for (int i = range.begin; i < range.end; ++i) {
      if (rank > 0) {
        losses_[i] = in.Get<double>();
        drifts_[i] = in.Get<double>();
        stats_[i] = in.Get<TransformStats>();
        const std::size_t before = in.remaining();
        messages_[i].Read(in, d);
        transform_.compressor().Unpack(messages_[i]);
        wire_.message_bytes += static_cast<double>(before - in.remaining());
        wire_.message_bits += stats_[i].bits;
      }
      slots[i] = GetBytes(in);
    }
  }
}

void ParallelMomentum::SendToWorkers(Verdict& verdict, std::vector<std::string>& slots) {
  std::string& bytes = outgoing_;  // free again once the messages are in
  bytes.clear();
  if (job_.is_root()) {
    ByteWriter out(bytes);
    out.Put<std::uint8_t>(static_cast<std::uint8_t>(verdict));
    if (verdict != Verdict::kDiverged) {
      out.Put(state_.iteration);
      out.Put(state_.steps);
      out.PutMatrix(state_.x);
      for (const std::string& slot : slots) PutBytes(out, slot);
    }
  }
  job_.Broadcast(bytes);
  if (!job_.is_root()) {
    ByteReader in(bytes);
    verdict = static_cast<Verdict>(in.Get<std::uint8_t>());
    if (verdict == Verdict::kDiverged) return;
    state_.iteration = in.Get<std::int64_t>();
    state_.steps = in.Get<std::int64_t>();
    in.GetMatrix(state_.x);
    slots.resize(static_cast<std::size_t>(options_.workers));
    for (std::string& slot : slots) slot = GetBytes(in);
  }
  if (verdict == Verdict::kDiverged) return;
  for (int i = 0; i < options_.workers; ++i) {
    if (own_.Contains(i)) continue;
    ByteReader in(slots[static_cast<std::size_t>(i)]);
    oracle_.LoadWorkerSlot(i, in);
  }
}

std::vector<WorkerMemory> ParallelMomentum::LendWorkers() {
  for (int i = own_.begin; i < own_.end; ++i) {
    workers_[i].oracle.clear();
    ByteWriter state(workers_[i].oracle);
    oracle_.SaveWorkerState(i, state);
  }
  if (job_.size() == 1) return std::move(workers_);
  std::string bytes;
  ByteWriter out(bytes);
  if (!job_.is_root())
    for (int i = own_.begin; i < own_.end; ++i) {
      out.Put(workers_[i].rng.state());
      out.PutMatrix(workers_[i].feedback);
      out.PutMatrix(workers_[i].momentum);
      PutBytes(out, workers_[i].oracle);
    }
  std::vector<std::string> sent;
  job_.Gather(bytes, sent);
  if (!job_.is_root()) return {};
  std::vector<WorkerMemory> every = std::move(workers_);
  for (int rank = 1; rank < job_.size(); ++rank) {
    const WorkerRange range = job_.WorkersOf(rank, options_.workers);
    ByteReader in(sent[static_cast<std::size_t>(rank)]);
    for (int i = range.begin; i < range.end; ++i) {
      every[i].rng.set_state(in.Get<Rng::State>());
      in.GetMatrix(every[i].feedback);
      in.GetMatrix(every[i].momentum);
      every[i].oracle = GetBytes(in);
    }
  }
  return every;
}

void ParallelMomentum::SetWorkers(std::vector<WorkerMemory> workers) {
  if (static_cast<int>(workers.size()) != options_.workers) throw std::invalid_argument("one memory per worker is needed");
  workers_.resize(workers.size());
  for (int i = 0; i < options_.workers; ++i) workers_[i] = own_.Contains(i) ? std::move(workers[i]) : WorkerMemory{};
}

void ParallelMomentum::RestoreWorkers(std::vector<WorkerMemory> workers) {
  SetWorkers(std::move(workers));
  for (int i = own_.begin; i < own_.end; ++i) {
    // A checkpoint from before oracles kept worker state has none: the oracle starts afresh.
    if (workers_[i].oracle.empty()) continue;
    ByteReader in(workers_[i].oracle);
    oracle_.LoadWorkerState(i, in);
  }
}

}  // namespace pmlab::core
