// pmlab's environments for Python (module pmlab._pmlab): one environment, and a batch of them
// stepped together in C++ over TBB with the GIL released. The Gymnasium-facing classes, spaces
// and argument handling are Python (pmlab/envs.py); this file moves numbers across.
//
// Seeds. An environment's randomness is a function of its episode seed (and of an instance
// number, which pmlab's rollouts set per environment of a worker and which is 0 here, so that
// environment i of a batch is exactly a single environment given the same seeds). reset(seed)
// starts an episode with that seed and seeds a stream from which every later reset without a
// seed draws its episode seed, so one seed fixes all the episodes that follow, as Gymnasium's
// reset(seed=s) does; before any seed the stream is seeded from the operating system, as
// Gymnasium's is.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/opt/rng.h"
#include "envs/registry.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace pmlab::python {
namespace {

using FloatArray = py::array_t<float, py::array::c_style>;

// The episode seeds of one environment (see the file comment).
class EpisodeSeeds {
 public:
  // The seed of the next episode: `seed` itself when given, else the next draw.
  std::uint64_t Next(std::optional<std::uint64_t> seed) {
    if (seed) {
      stream_ = core::Rng(*seed, core::StreamKind::kEpisodeSeeds);
      return *seed;
    }
    if (!stream_) {
      std::random_device device;
      stream_ = core::Rng((std::uint64_t{device()} << 32) ^ device(), core::StreamKind::kEpisodeSeeds);
    }
    return stream_->NextU64();
  }

 private:
  std::optional<core::Rng> stream_;
};

void Copy(const Eigen::VectorXd& from, float* to) {
  for (Eigen::Index i = 0; i < from.size(); ++i) to[i] = static_cast<float>(from[i]);
}

FloatArray ToArray(const Eigen::VectorXd& v) {
  FloatArray out(v.size());
  Copy(v, out.mutable_data());
  return out;
}

std::string ShapeText(const py::array& a) {
  std::string text = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) text += (i ? ", " : "") + std::to_string(a.shape(i));
  return text + (a.ndim() == 1 ? ",)" : ")");
}

// An action from Python: a number for a discrete space, a sequence or array for a box.
Eigen::VectorXd ActionOf(const envs::Space& space, const py::handle& action) {
  const auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(action);
  if (!values) throw std::invalid_argument("an action must be a number or an array of numbers");
  // A discrete action is one number; a box's is a vector of its dimension (as Gymnasium's
  // spaces contain them).
  if (space.IsDiscrete() ? values.ndim() != 0 : values.ndim() != 1 || values.size() != space.Dimension())
    throw std::invalid_argument("an action of " + space.ToString() + " is " +
                                (space.IsDiscrete() ? std::string("one number") : "a vector of " + std::to_string(space.Dimension()) + " numbers") +
                                ", not an array of shape " + ShapeText(values));
  return Eigen::Map<const Eigen::VectorXd>(values.data(), values.size());
}

py::dict SpaceDict(const envs::Space& space) {
  py::dict d;
  if (space.IsDiscrete()) {
    d["n"] = space.discrete;
  } else {
    d["low"] = ToArray(space.low);
    d["high"] = ToArray(space.high);
  }
  return d;
}

// One environment.
class Env {
 public:
  explicit Env(const std::string& spec) : env_(envs::MakeEnvironment(spec)) {}

  FloatArray Reset(std::optional<std::uint64_t> seed) { return ToArray(env_->Reset(seeds_.Next(seed))); }

  py::tuple Step(const py::handle& action) {
    const envs::StepResult r = env_->Step(ActionOf(env_->action_space(), action));
    return py::make_tuple(ToArray(env_->observation()), r.reward, r.terminated, r.truncated);
  }

  py::array_t<std::uint8_t> Render() const {
    const envs::Canvas canvas = env_->Render();
    py::array_t<std::uint8_t> out({canvas.height(), canvas.width(), 3});
    std::copy(canvas.pixels().begin(), canvas.pixels().end(), out.mutable_data());
    return out;
  }

  const envs::Environment& first() const { return *env_; }

 private:
  std::unique_ptr<envs::Environment> env_;
  EpisodeSeeds seeds_;
};

// A batch of environments of one spec, each as Env, with Gymnasium 1.x's next-step
// autoreset: an environment whose episode ended at a step is reset by the following step,
// which ignores its action and returns the new episode's first observation with reward 0 and
// both flags false.
class VecEnv {
 public:
  VecEnv(const std::string& spec, int num_envs, int threads) : arena_(threads > 0 ? threads : tbb::task_arena::automatic) {
    // Each environment is a simulator of its own (a Box2D world: tens of kilobytes).
    if (num_envs < 1 || num_envs > 65536) throw std::invalid_argument("num_envs: must be from 1 to 65536");
    if (threads < 0 || threads > 1024) throw std::invalid_argument("threads: must be from 0 (every core) to 1024");
    for (int i = 0; i < num_envs; ++i) envs_.push_back(envs::MakeEnvironment(spec));
    seeds_.resize(envs_.size());
    needs_reset_.assign(static_cast<std::size_t>(num_envs), 1);
    const envs::Space& actions = envs_.front()->action_space();
    action_size_ = actions.Dimension();
    actions_.resize(action_size_, num_envs);
  }

  int size() const { return static_cast<int>(envs_.size()); }
  const envs::Environment& first() const { return *envs_.front(); }

  // Resets every environment: environment i with seeds[i] when given.
  FloatArray Reset(const std::optional<std::vector<std::uint64_t>>& seeds) {
    started_ = true;
    if (seeds && seeds->size() != envs_.size())
      throw std::invalid_argument("reset: " + std::to_string(seeds->size()) + " seeds for " + std::to_string(envs_.size()) + " environments");
    const int d = first().observation_space().Dimension();
    FloatArray obs({size(), d});
    float* out = obs.mutable_data();
    std::vector<std::uint64_t> episode(envs_.size());
    for (std::size_t i = 0; i < envs_.size(); ++i) episode[i] = seeds_[i].Next(seeds ? std::optional((*seeds)[i]) : std::nullopt);
    {
      py::gil_scoped_release release;
      ForEach([&](std::size_t i) {
        Copy(envs_[i]->Reset(episode[i]), out + i * static_cast<std::size_t>(d));
        needs_reset_[i] = 0;
      });
    }
    return obs;
  }

  py::tuple Step(const py::handle& actions) {
    if (!started_) throw std::logic_error("step before reset: call reset() first");
    ReadActions(actions);
    const int d = first().observation_space().Dimension();
    const py::ssize_t n = size();
    FloatArray obs({n, static_cast<py::ssize_t>(d)});
    py::array_t<double> rewards(n);
    py::array_t<bool> terminated(n), truncated(n);
    float* o = obs.mutable_data();
    double* r = rewards.mutable_data();
    bool* te = terminated.mutable_data();
    bool* tr = truncated.mutable_data();
    // Next seeds are drawn here, in order, for the environments this step resets.
    std::vector<std::uint64_t> episode(envs_.size(), 0);
    for (std::size_t i = 0; i < envs_.size(); ++i)
      if (needs_reset_[i]) episode[i] = seeds_[i].Next(std::nullopt);
    {
      py::gil_scoped_release release;
      ForEach([&](std::size_t i) {
        float* row = o + i * static_cast<std::size_t>(d);
        if (needs_reset_[i]) {
          Copy(envs_[i]->Reset(episode[i]), row);
          r[i] = 0;
          te[i] = tr[i] = false;
          needs_reset_[i] = 0;
          return;
        }
        const envs::StepResult s = envs_[i]->Step(actions_.col(static_cast<Eigen::Index>(i)));
        Copy(envs_[i]->observation(), row);
        r[i] = s.reward;
        te[i] = s.terminated;
        tr[i] = s.truncated;
        needs_reset_[i] = s.terminated || s.truncated ? 1 : 0;
      });
    }
    return py::make_tuple(obs, rewards, terminated, truncated);
  }

  py::array_t<std::uint8_t> Render(int index) const {
    if (index < 0 || index >= size()) throw std::out_of_range("render: no environment " + std::to_string(index));
    const envs::Canvas canvas = envs_[static_cast<std::size_t>(index)]->Render();
    py::array_t<std::uint8_t> out({canvas.height(), canvas.width(), 3});
    std::copy(canvas.pixels().begin(), canvas.pixels().end(), out.mutable_data());
    return out;
  }

 private:
  template <typename F>
  void ForEach(const F& f) {
    // Exceptions (a step before reset) leave TBB and reach Python once the GIL is back.
    arena_.execute([&] {
      tbb::parallel_for(std::size_t{0}, envs_.size(), [&](std::size_t i) { f(i); });
    });
  }

  // Checks the batch of actions and copies it, as doubles, column i for environment i.
  void ReadActions(const py::handle& actions) {
    const auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(actions);
    if (!a) throw std::invalid_argument("step: actions must be an array of numbers");
    const envs::Space& space = first().action_space();
    const bool discrete = space.IsDiscrete();
    const bool shape_ok = discrete ? (a.ndim() == 1 && a.shape(0) == size())
                                   : (a.ndim() == 2 && a.shape(0) == size() && a.shape(1) == action_size_);
    if (!shape_ok)
      throw std::invalid_argument("step: actions of " + std::to_string(size()) + " environments of " + space.ToString() + " have shape (" +
                                  std::to_string(size()) + (discrete ? "" : ", " + std::to_string(action_size_)) + ")");
    actions_ = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(a.data(), size(), action_size_)
                   .transpose();
    // Checked before any environment steps, so that a bad action leaves the whole batch as it was.
    // (Box actions are clipped by the environments, as Gymnasium's are: only non-finite ones
    // are refused.)
    for (Eigen::Index i = 0; i < actions_.cols(); ++i) {
      const double a0 = actions_(0, i);
      const bool ok = discrete ? a0 == std::floor(a0) && a0 >= 0 && a0 < space.discrete : actions_.col(i).allFinite();
      if (!ok)
        throw std::invalid_argument("step: the action of environment " + std::to_string(i) + " is not one of " + space.ToString());
    }
  }

  tbb::task_arena arena_;
  std::vector<std::unique_ptr<envs::Environment>> envs_;
  std::vector<EpisodeSeeds> seeds_;
  std::vector<char> needs_reset_;
  bool started_ = false;
  int action_size_ = 0;
  Eigen::MatrixXd actions_;
};

template <typename T>
void Describe(py::class_<T>& c) {
  c.def_property_readonly("id", [](const T& self) { return self.first().name(); }, "The spec the environment was made from")
      .def_property_readonly("observation_space", [](const T& self) { return SpaceDict(self.first().observation_space()); })
      .def_property_readonly("action_space", [](const T& self) { return SpaceDict(self.first().action_space()); })
      .def_property_readonly("time_limit", [](const T& self) { return self.first().time_limit(); })
      .def_property_readonly("reward_threshold", [](const T& self) { return self.first().solved_at(); });
}

}  // namespace

void BindEnvironments(py::module_& m) {
  py::class_<Env> env(m, "Env", "One pmlab environment (use pmlab.make)");
  env.def(py::init<const std::string&>(), py::arg("spec"))
      .def("reset", &Env::Reset, py::arg("seed") = py::none())
      .def("step", &Env::Step, py::arg("action"))
      .def("render", &Env::Render);
  Describe(env);
  py::class_<VecEnv> vec(m, "VecEnv", "pmlab environments stepped together (use pmlab.make_vec)");
  vec.def(py::init<const std::string&, int, int>(), py::arg("spec"), py::arg("num_envs"), py::arg("threads") = 0)
      .def("reset", &VecEnv::Reset, py::arg("seeds") = py::none())
      .def("step", &VecEnv::Step, py::arg("actions"))
      .def("render", &VecEnv::Render, py::arg("index") = 0)
      .def_property_readonly("num_envs", &VecEnv::size);
  Describe(vec);
  m.def("environments", [] {
    py::list out;
    for (const envs::EnvironmentInfo& e : envs::RegisteredEnvironments()) out.append(py::make_tuple(e.name, e.summary));
    return out;
  }, "The registered environments as (name, summary) pairs");
  m.def("families", [] {
    py::list out;
    for (const ComponentInfo& f : envs::RegisteredEnvFamilies()) out.append(py::make_tuple(f.name, f.summary));
    return out;
  }, "The registered task families as (name, summary) pairs");
  m.def("sample_tasks", [](const std::string& family, int count, std::uint64_t seed) {
    if (count < 0 || count > 1000000) throw std::invalid_argument("count: must be from 0 to 1000000");
    const auto f = envs::MakeEnvFamily(family);
    core::Rng rng(seed, core::StreamKind::kHeldOut, 0);
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) out.push_back(f->SampleTask(rng));
    return out;
  }, py::arg("family"), py::arg("count"), py::arg("seed"), "Tasks of a family as environment specs, from their own stream of `seed`");
}

}  // namespace pmlab::python
