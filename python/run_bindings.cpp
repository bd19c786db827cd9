// What the Python package reads from a checkpoint through pmlab itself: an rl run's trained
// policy (with the run's observation normalisation) and `pmlab eval`'s figures. Checkpoints are
// opened and checked as the command line opens them (runners/run_kind.h), so a damaged or
// foreign file is refused with the same message.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include "core/opt/rng.h"
#include "envs/registry.h"
#include "python/bindings.h"
#include "rl/policy.h"
#include "rl/policy_evaluation.h"
#include "runners/rl_command.h"
#include "runners/run_kind.h"

namespace py = pybind11;

namespace pmlab::python {
namespace {

std::invalid_argument NotRl(const std::string& target, const runners::TargetCheckpoint& t) {
  return std::invalid_argument("'" + target + "' is a checkpoint of a " + t.kind->info().command + " run; policy() and evaluate() read rl runs");
}

// An rl checkpoint's policy as a function of observations.
class TrainedPolicy {
 public:
  TrainedPolicy(const std::string& target, std::optional<std::uint64_t> seed) {
    const runners::TargetCheckpoint t = runners::OpenTargetCheckpoint(target);
    auto trained = runners::RlTrainedPolicy(t.kind->info().id, t.record);
    if (!trained) throw NotRl(target, t);
    trained_ = std::move(*trained);
    const auto env = envs::MakeEnvironment(trained_.env);
    observations_ = env->observation_space();
    actions_ = env->action_space();
    policy_ = rl::MakePolicy<float>(trained_.policy, observations_, actions_);
    if (!seed) {
      std::random_device device;
      seed = (std::uint64_t{device()} << 32) ^ device();
    }
    rng_ = core::Rng(*seed, core::StreamKind::kEpisodeSeeds, 1);
  }

  // Actions for a batch of observations (rows), or for one observation: int64 for a discrete
  // space, float32 vectors for a box (unclipped: the environment clips them, as in pmlab eval).
  py::object Act(const py::handle& observations, bool deterministic) {
    const auto obs = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(observations);
    const int d = observations_.Dimension();
    if (!obs || !((obs.ndim() == 1 && obs.shape(0) == d) || (obs.ndim() == 2 && obs.shape(1) == d)))
      throw std::invalid_argument("policy: observations of " + trained_.env + " are arrays of shape (" + std::to_string(d) + ",) or (n, " +
                                  std::to_string(d) + ")");
    const bool single = obs.ndim() == 1;
    const py::ssize_t n = single ? 1 : obs.shape(0);
    inputs_.resize(d, n);
    Eigen::VectorXd raw(d);
    for (py::ssize_t j = 0; j < n; ++j) {
      for (int i = 0; i < d; ++i) raw[i] = obs.data()[j * d + i];
      if (!raw.allFinite()) throw std::invalid_argument("policy: observations must be finite");
      trained_.normalizer.Normalize(raw, inputs_.col(j));
    }
    policy_->Act(trained_.parameters, inputs_, rng_, deterministic, actions_out_);
    if (actions_.IsDiscrete()) {
      py::array_t<std::int64_t> out(n);
      for (py::ssize_t j = 0; j < n; ++j) out.mutable_data()[j] = static_cast<std::int64_t>(actions_out_(0, j));
      if (single) return py::module_::import("numpy").attr("int64")(out.at(0));
      return out;
    }
    const int a = actions_.Dimension();
    py::array_t<float> out({n, static_cast<py::ssize_t>(a)});
    for (py::ssize_t j = 0; j < n; ++j)
      for (int i = 0; i < a; ++i) out.mutable_data()[j * a + i] = actions_out_(i, j);
    if (single) return out[py::int_(0)];
    return out;
  }

  const std::string& env() const { return trained_.env; }
  std::int64_t iteration() const { return trained_.iteration; }

 private:
  rl::TrainedPolicy trained_;
  envs::Space observations_, actions_;
  std::unique_ptr<rl::Policy<float>> policy_;
  core::Rng rng_;
  core::Matrix inputs_, actions_out_;
};

py::dict Evaluate(const std::string& target, int episodes, std::optional<std::uint64_t> seed, bool deterministic) {
  const runners::TargetCheckpoint t = runners::OpenTargetCheckpoint(target);
  std::optional<rl::RlEvaluation> run;
  {
    py::gil_scoped_release release;
    run = runners::EvaluateRlCheckpoint(t.kind->info().id, t.record, episodes, seed, deterministic);
  }
  if (!run) throw NotRl(target, t);
  const rl::EvaluationSummary& s = run->summary;
  py::list returns, lengths;
  for (const rl::EpisodeOutcome& o : run->outcomes) {
    returns.append(o.total_reward);
    lengths.append(o.length);
  }
  py::dict d;
  d["checkpoint"] = t.file.string();
  d["iteration"] = run->iteration;
  d["episodes"] = s.episodes;
  d["deterministic"] = deterministic;
  d["return_mean"] = s.mean;
  d["return_std"] = s.std;
  d["return_min"] = s.min;
  d["return_max"] = s.max;
  d["episode_length_mean"] = s.length_mean;
  d["returns"] = returns;
  d["lengths"] = lengths;
  if (s.solved_at) {
    d["solved_threshold"] = *s.solved_at;
    d["success_rate"] = *s.success_rate;
  }
  return d;
}

}  // namespace

void BindRuns(py::module_& m) {
  py::class_<TrainedPolicy>(m, "TrainedPolicy", "An rl checkpoint's policy (use pmlab.Run(...).policy())")
      .def(py::init<const std::string&, std::optional<std::uint64_t>>(), py::arg("target"), py::arg("seed") = py::none())
      .def("act", &TrainedPolicy::Act, py::arg("observations"), py::arg("deterministic"))
      .def_property_readonly("env", &TrainedPolicy::env)
      .def_property_readonly("iteration", &TrainedPolicy::iteration);
  m.def("_evaluation_episode_seed", [](std::uint64_t seed, std::int64_t episode) { return rl::EvaluationStream(seed, episode).NextU64(); },
        py::arg("seed"), py::arg("episode"), "The reset seed of pmlab eval's episode `episode` under `seed` (for tests)");
  m.def("evaluate", &Evaluate, py::arg("target"), py::arg("episodes"), py::arg("seed"), py::arg("deterministic"),
        "pmlab eval's figures of an rl checkpoint, as a dict");
}

}  // namespace pmlab::python
