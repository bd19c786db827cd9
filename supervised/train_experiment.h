#pragma once
// `pmlab train`: the distributed supervised experiment of Beikmohammadi, Khirirat & Magnusson
// (TCNS 2025, Sec. VI): n workers with fixed shards of Fashion-MNIST, an MLP, biased operators
// at the workers and momentum at the server; or the synthetic quadratic problem. Builds the
// objects from a plain config, runs the rounds, and writes the run folder.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "core/image_dataset.h"
#include "supervised/train_checkpoint.h"

namespace pmlab::supervised {

/// Every option of a train run, with the paper's setting as defaults. Field names are the
/// command-line flags with '-' written as '_'.
struct TrainConfig {
  std::string problem = "fmnist";                ///< fmnist | quadratic
  std::string data_dir = core::kFashionMnistDir;  ///< folder with the IDX files (fmnist)
  int workers = 100;                             ///< logical workers n >= 1
  std::string shard = "contiguous";              ///< contiguous | iid | label-sorted
  std::string batch = "full";                    ///< full (whole shard per round) | B >= 1 examples
  std::string hidden = "512,512";                ///< hidden widths, comma-separated (fmnist)
  int quadratic_dim = 20;                        ///< parameters of the quadratic problem
  int quadratic_rows = 50;                       ///< rows of A per worker (quadratic)
  std::int64_t iters = 200;                      ///< rounds to run >= 1
  double lr = 0.5;                               ///< step size gamma > 0
  double beta = 0.1;                             ///< weight of the new gradient in (0, 1]; 1 = biased GD
  bool nesterov = false;                         ///< Nesterov's variant of the momentum step
  std::string momentum_at = "server";            ///< server | worker
  std::string schedule = "constant";             ///< constant | cosine | step:EVERY:FACTOR
  std::string compress = "none";                 ///< none | topk:F|K | randk:F|K | randk-biased:F|K | sign | qsgd:S
  std::string clip = "none";                     ///< none | norm:TAU | value:TAU
  std::string error_feedback = "none";           ///< none | ef | ef21
  std::uint64_t seed = 1;                        ///< run seed: data split, initialisation, worker streams
  int threads = 0;                               ///< threads, 0 = all cores; never changes results
  std::int64_t eval_every = 10;                  ///< evaluate every N rounds and at the end; 0 = never
  std::int64_t checkpoint_every = 10;            ///< checkpoint every N rounds and at the end; 0 = only at the end
  int keep_checkpoints = 3;                      ///< newest checkpoints kept (>= 1)
  std::string out;                               ///< run folder
  bool quiet = false;                            ///< no progress lines
};

/// Exit codes of a run besides 0: 3 diverged; 128 + signal after a graceful stop.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDiverged = 3;

/// Starts a new run in config.out; `config_toml` is written to RUN_DIR/config.toml and into
/// every checkpoint. Progress goes to `log`. Throws std::invalid_argument for bad options
/// (usage) and std::runtime_error for failures such as missing data; returns an exit code.
int RunTrain(const TrainConfig& config, std::string_view config_toml, std::ostream& log);

/// Continues the run in config.out from `from` (read from the file `checkpoint`) up to
/// config.iters, bit for bit as if it had never stopped. `config` is the checkpoint's config,
/// with only iters and threads changed.
int ResumeTrain(const TrainConfig& config, std::string_view config_toml, const TrainCheckpoint& from,
                const std::filesystem::path& checkpoint, std::ostream& log);

struct CheckpointEvaluation {
  std::int64_t iteration = 0;
  double loss = 0;                  ///< test loss (quadratic: suboptimality f(x) - f*)
  std::optional<double> accuracy;   ///< test accuracy (fmnist)
};

/// Evaluates the parameters of a checkpoint on the test set; reads nothing but the data.
CheckpointEvaluation EvaluateTrainCheckpoint(const TrainConfig& config, const TrainCheckpoint& checkpoint);

}  // namespace pmlab::supervised
