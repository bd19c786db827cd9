#include "metarl/meta_policy_bias.h"

#include <map>
#include <string>
#include <utility>

#include <tbb/enumerable_thread_specific.h>

#include "envs/registry.h"
#include "metarl/tabular_return.h"

namespace pmlab::rl {
namespace {

// One given inner batch; the exact return from the task it belongs to.
class GivenBatch final : public TaskEpisodes {
 public:
  GivenBatch(const EpisodeBatch& batch, TaskEpisodes& task) : batch_(batch), task_(task) {}
  bool Sample(Policy<float>& /*policy*/, const Eigen::Ref<const core::Vector>& /*params*/, core::Rng& /*rng*/, StoredBatch& out) override {
    out.Assign(batch_);
    return true;
  }
  std::optional<double> ExactReturn(Policy<float>& policy, const Eigen::Ref<const core::Vector>& params, double discount,
                                    Eigen::Ref<core::Vector> gradient) override {
    return task_.ExactReturn(policy, params, discount, gradient);
  }

 private:
  const EpisodeBatch& batch_;
  TaskEpisodes& task_;
};

MetaPolicyOptions Exact(MetaPolicyOptions meta) {
  meta.exact_outer = true;
  return meta;
}

// Whether the family's tasks know their returns exactly: those of its first task do.
bool ExactFamily(const MetaPolicyOracle& oracle, const core::Vector& x) {
  core::Rng rng(0);
  EnvironmentEpisodes task(oracle.TaskRollouts(oracle.family().SampleTask(rng)));
  MetaPolicyGradient probe = oracle.MakeEstimator();
  core::Vector gradient(x.size());
  return task.ExactReturn(probe.policy(), x, 1.0, gradient).has_value();
}

}  // namespace

core::BiasEstimate MeasureMetaPolicyBias(const MetaPolicyOracle& oracle, const core::Vector& x, int units, std::uint64_t seed,
                                         std::int64_t iteration, core::WorkerPool& pool, const MetaBiasReference& how) {
  const bool exact = how.exact_if_known && ExactFamily(oracle, x);
  const MetaPolicyOptions reference = oracle.OtherEstimator(MetaPolicyAlgorithm::kMamlPgDice);
  struct Scratch {
    Scratch(const MetaPolicyOracle& oracle, const MetaPolicyOptions& reference, bool exact)
        : estimator(oracle.MakeEstimator(exact ? Exact(oracle.options().meta) : oracle.options().meta)),
          reference(oracle.MakeEstimator(exact ? Exact(reference) : reference)),
          replicate(oracle.MakeEstimator(exact ? oracle.options().meta : oracle.OtherEstimator(MetaPolicyAlgorithm::kFomamlPg))) {}
    // The last draws a replicate of the unit's task: b of the Monte-Carlo reference (its adapted
    // return; first-order, the cheapest) or, as the run draws it, the spread of the exact one.
    MetaPolicyGradient estimator, reference, replicate;
    core::Vector estimate, exact, drawn;
    // Enumerated units by task: a family of one MDP (the usual way to measure exactly) repeats
    // the same sums in every unit.
    std::map<std::string, std::pair<Eigen::VectorXd, Eigen::VectorXd>> enumerated;
  };
  tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(oracle, reference, exact); });
  core::BiasSums sums(x.size(), units);
  pool.ForEach(sums.Chunks(), [&](core::Index c) {
    Scratch& s = scratch.local();
    s.estimate.resize(x.size());
    s.exact.resize(x.size());
    s.drawn.resize(x.size());
    for (core::Index u = sums.ChunkBegin(c); u < sums.ChunkEnd(c); ++u) {
      const std::uint64_t id = static_cast<std::uint64_t>(iteration) * (1ULL << 20) + static_cast<std::uint64_t>(u);
      core::Rng rng(seed, core::StreamKind::kBias, id);
      const std::string spec = oracle.family().SampleTask(rng);
      const core::Rng draws = rng;
      core::Rng other(seed, core::StreamKind::kBias, id | (1ULL << 63));
      EnvironmentEpisodes replicate(oracle.TaskRollouts(spec));
      double baseline = 0;
      if (exact) {
        // b = J(phi_N) exactly for an independent replicate of the inner batches: its mean is the
        // reference's E J(phi_N), so the score term's spread stays flat in the inner batch size
        // (b = J(x) left a mean part whose spread grows with it).
        baseline = -s.reference.Estimate(x, replicate, other, 0, s.drawn);
        EnvironmentEpisodes as_run(oracle.TaskRollouts(spec));
        s.replicate.Estimate(x, as_run, other, baseline, s.drawn);
      } else {
        baseline = -s.replicate.Estimate(x, replicate, other, 0, s.drawn);
      }
      // Fresh environments for each, so that both see the same episodes.
      EnvironmentEpisodes task(oracle.TaskRollouts(spec)), same_task(oracle.TaskRollouts(spec));
      const auto measure = [&](TaskEpisodes& mine, TaskEpisodes& theirs, core::Rng& stream, double b) {
        s.estimator.Estimate(x, mine, stream, b, s.estimate);
        stream = draws;
        s.reference.Estimate(x, theirs, stream, b, s.exact);
      };
      bool enumerated = false;
      if (exact && oracle.options().meta.inner_steps == 1) {
        auto known = s.enumerated.find(spec);
        if (known == s.enumerated.end()) {
          const auto env = envs::MakeEnvironment(spec);
          const auto& mdp = dynamic_cast<const envs::TabularMdp&>(*env).model();
          Eigen::VectorXd difference = Eigen::VectorXd::Zero(x.size()), sum = Eigen::VectorXd::Zero(x.size());
          // Over every batch the score term's baseline adds exactly nothing; J(x) of the task, not
          // the unit's replicate, so that the sums, kept for the task, are the same whichever
          // unit (and thread) makes them.
          const double task_return = *task.ExactReturn(s.estimator.policy(), x, oracle.options().meta.estimator.discount, s.exact);
          const bool all = ForEachTabularBatch(mdp, s.estimator.policy(), x, oracle.options().horizon, oracle.options().episodes,
                                               how.enumerate, [&](const EpisodeBatch& batch, double probability) {
                                                 GivenBatch given(batch, task);
                                                 core::Rng unused = draws;
                                                 measure(given, given, unused, task_return);
                                                 difference += probability * (s.estimate - s.exact).cast<double>();
                                                 sum += probability * s.exact.cast<double>();
                                               });
          if (all) {
            if (s.enumerated.size() >= 64) s.enumerated.clear();
            known = s.enumerated.emplace(spec, std::make_pair(std::move(difference), std::move(sum))).first;
          }
        }
        if (known != s.enumerated.end()) {
          enumerated = true;
          const Eigen::VectorXd drawn = s.drawn.cast<double>();
          sums.Add(u, known->second.first, known->second.second, &drawn);
        }
      }
      if (!enumerated) {
        measure(task, same_task, rng, baseline);
        const Eigen::VectorXd drawn = (exact ? s.drawn : s.estimate).cast<double>();
        sums.Add(u, (s.estimate - s.exact).cast<double>(), s.exact.cast<double>(), &drawn);
      }
    }
  });
  return sums.Result();
}

}  // namespace pmlab::rl
