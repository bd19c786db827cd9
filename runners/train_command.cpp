// `pmlab train`: the paper's distributed supervised experiment, as a run kind.
#include <cereal/archives/json.hpp>

#include <iomanip>
#include <iostream>

#include "runners/typed_run_kind.h"
#include "supervised/train_experiment.h"

namespace pmlab::runners {
namespace {

class TrainKind final : public TypedRunKind<supervised::TrainConfig> {
 public:
  TrainKind() : TypedRunKind({1, "train"}) {}

  void AddEvalFlags(EvalFlags& flags) override {
    data_dir_.clear();
    flags.Add("--data-dir", data_dir_, "Read the data from here instead of the run's --data-dir", "Runs that read data (train, meta)");
  }

  int Evaluate(const EvalRequest& e, const core::RunCheckpoint& ck, const std::filesystem::path& checkpoint) override {
    supervised::TrainConfig config = Parse(ck.config_toml);
    if (!data_dir_.empty()) config.data_dir = data_dir_;
    const core::RestoredRun run = core::RestoreRun(config, ck, supervised::TrainProblem(config));
    const core::Evaluation r = run.problem.evaluate(run.x);
    if (e.json) {
      {
        cereal::JSONOutputArchive ar(std::cout);
        ar(cereal::make_nvp("checkpoint", checkpoint.string()), cereal::make_nvp("iteration", run.iteration),
           cereal::make_nvp("problem", config.problem), cereal::make_nvp("test_loss", r.loss));
        if (r.accuracy) ar(cereal::make_nvp("test_accuracy", *r.accuracy));
      }
      std::cout << "\n";
      return 0;
    }
    std::cout << "round " << run.iteration << ": test_loss " << std::setprecision(6) << r.loss;
    if (r.accuracy) std::cout << "  test_accuracy " << std::fixed << std::setprecision(2) << 100 * *r.accuracy << "%";
    if (config.problem == "quadratic") std::cout << " (suboptimality f(x) - f*)";
    std::cout << "  [" << checkpoint.string() << "]\n";
    return 0;
  }

 protected:
  CLI::App* AddFlags(CLI::App& app, supervised::TrainConfig& c) const override {
    CLI::App* t = app.add_subcommand("train", "Parallel momentum on the paper's distributed supervised experiment");
    t->footer(RunFooter("train", "Writes RUN_DIR/config.toml, metrics.csv (one row per round) and summary.json.\n",
                        {&supervised::Problems()}));
    t->configurable();
    t->add_option("--problem", c.problem, "A registered problem (listed below): fmnist (Fashion-MNIST MLP), quadratic (strongly convex least squares), ...")
        ->check(Registered(supervised::Problems()))->group("Problem");
    t->add_option("--data-dir", c.data_dir, "Folder with the Fashion-MNIST IDX files")->group("Problem");
    t->add_option("--workers", c.workers, "Logical workers n; each owns a fixed shard")->check(CLI::Range(1, 1 << 24))->group("Problem");
    t->add_option("--shard", c.shard, "How the training set is split: contiguous (the paper), iid, label-sorted")
        ->check(CLI::IsMember({"contiguous", "iid", "label-sorted"}))->group("Problem");
    t->add_option("--batch", c.batch, "full (whole shard per round, the paper) or B examples drawn per round")->group("Problem");
    t->add_option("--hidden", c.hidden, "Hidden layer widths, e.g. 512,512 (the paper's 784-512-512-10), or none")->group("Problem");
    t->add_option("--quadratic-dim", c.quadratic_dim, "Parameters of the quadratic problem")->check(CLI::Range(1, 100000))->group("Problem");
    t->add_option("--quadratic-rows", c.quadratic_rows, "Rows of A per worker in the quadratic problem")
        ->check(CLI::Range(1, 1000000))->group("Problem");
    AddNumber(t, "--bias-relative", c.bias_relative, "Quadratic: each worker adds a bias of norm m |grad f_i(x)| along a fixed random direction field")
        ->group("Controlled bias");
    AddNumber(t, "--bias-absolute", c.bias_absolute, "Quadratic: each worker adds a fixed random vector of norm zeta")->group("Controlled bias");
    AddNumber(t, "--noise", c.noise, "Quadratic: Gaussian noise of standard deviation sigma on each gradient coordinate")
        ->group("Controlled bias");
    AddRunFlags(t, c, "Test loss/accuracy every N rounds (and at the end, in summary.json); 0 = never");
    return t;
  }

  void CheckConfig(const supervised::TrainConfig& config) const override { supervised::CheckTrainConfig(config); }
  core::MakeProblem Problem(const supervised::TrainConfig& config) const override { return supervised::TrainProblem(config); }

 private:
  std::string data_dir_;
};

}  // namespace

PMLAB_REGISTER_RUN_KIND(TrainKind);

}  // namespace pmlab::runners
