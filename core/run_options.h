#pragma once
// The options every iterative run shares, whatever its problem: the logical workers, the
// method (server momentum, step size, the biased operators at the workers) and the run's
// bookkeeping. Field names are the command-line flags with '-' written as '_'. Each run kind
// derives its config from this and may change the defaults in its constructor.
#include <cstdint>
#include <string>

namespace pmlab::core {

struct RunOptions {
  int workers = 1;                      ///< logical workers n >= 1
  std::int64_t iters = 100;             ///< iterations (rounds) to run >= 1
  double lr = 0.1;                      ///< step size gamma > 0
  double beta = 0.1;                    ///< weight of the new gradient in (0, 1]; 1 = biased GD
  bool nesterov = false;                ///< Nesterov's variant of the momentum step
  std::string momentum_at = "server";   ///< server | worker
  std::string schedule = "constant";    ///< constant | cosine | step:EVERY:FACTOR
  std::string compress = "none";        ///< none | topk:F|K | randk:F|K | randk-biased:F|K | sign | qsgd:S
  std::string clip = "none";            ///< none | norm:TAU | value:TAU
  std::string error_feedback = "none";  ///< none | ef | ef21
  std::uint64_t seed = 1;               ///< run seed: data, initialisation, worker streams
  int threads = 0;                      ///< threads, 0 = all cores; never changes results
  std::int64_t eval_every = 10;         ///< evaluate every N iterations and at the end; 0 = never
  std::int64_t checkpoint_every = 10;   ///< checkpoint every N iterations and at the end; 0 = only at the end
  int keep_checkpoints = 3;             ///< newest checkpoints kept (>= 1)
  std::string out;                      ///< run folder
  bool quiet = false;                   ///< no progress lines
};

}  // namespace pmlab::core
