#pragma once
// `pmlab train`: the distributed supervised experiment of Beikmohammadi, Khirirat & Magnusson
// (TCNS 2025, Sec. VI): n workers with fixed shards of Fashion-MNIST, an MLP, biased operators
// at the workers and momentum at the server; or the synthetic quadratic problem. Builds the
// problem from a plain config; core/run_session runs it and writes the run folder.
#include <string>

#include "core/nn/image_dataset.h"
#include "core/registry/registry.h"
#include "core/run/run_session.h"

namespace pmlab::supervised {

/// Every option of a train run, with the paper's setting as defaults. Field names are the
/// command-line flags with '-' written as '_'.
struct TrainConfig : core::RunOptions {
  TrainConfig() {
    workers = 100;
    iters = 200;
    momentum.lr = 0.5;
  }
  std::string problem = "fmnist";                ///< a registered problem: fmnist | quadratic | ...
  std::string data_dir = core::kFashionMnistDir;  ///< folder with the IDX files (fmnist)
  std::string shard = "contiguous";              ///< contiguous | iid | label-sorted
  std::string batch = "full";                    ///< full (whole shard per round) | B >= 1 examples
  std::string hidden = "512,512";                ///< hidden widths, comma-separated (fmnist)
  int quadratic_dim = 20;                        ///< parameters of the quadratic problem
  int quadratic_rows = 50;                       ///< rows of A per worker (quadratic)
  double bias_relative = 0;                      ///< m: each worker's bias m |grad f_i| (quadratic)
  double bias_absolute = 0;                      ///< zeta: a fixed bias vector of norm zeta (quadratic)
  double noise = 0;                              ///< sigma: Gaussian noise per gradient coordinate (quadratic)
};

/// The problems of `pmlab train --problem`, by name: fmnist, quadratic, and whatever a program
/// registers. A builder gets the whole config (workers, seed, batch, the quadratic's flags)
/// and the run's pool, for its evaluation; its own parameters come from the spec,
/// "name(key=value,...)".
using ProblemRegistry = Registry<core::RunProblem(const TrainConfig& config, core::WorkerPool& pool)>;
ProblemRegistry& Problems();

/// The problem of `config`, built when the run starts (throws std::invalid_argument for bad
/// options, std::runtime_error for missing or damaged data).
core::MakeProblem TrainProblem(const TrainConfig& config);
/// The checks of `config` that need no data (std::invalid_argument); TrainProblem makes them first.
void CheckTrainConfig(const TrainConfig& config);

}  // namespace pmlab::supervised
