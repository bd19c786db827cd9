// A slippery chain: the agent starts at the left end of `length` cells and steps left or right;
// with probability `slip` it goes the other way. Reaching the right end pays 1 and ends the
// episode; every other step costs 0.01. Registered as Chain-v0, it is an environment like any of
// pmlab's: `rl --env`, `envs`, `eval --render`, and task families may name it.
//
//   chain_lab envs
//   chain_lab rl --env "Chain-v0(length=8,slip=0.2)" --workers 4 --iters 40 --out runs/chain
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <stdexcept>

#include <pmlab/pmlab.h>

namespace {

using pmlab::envs::Space;

struct ChainOptions {
  std::int64_t length = 10;  ///< cells, the start included
  double slip = 0.1;         ///< probability that a step goes the other way
};

class Chain final : public pmlab::envs::Environment {
 public:
  Chain(ChainOptions o, std::uint64_t instance)
      : Environment("Chain-v0", Space::Box(Eigen::VectorXd::Zero(1), Eigen::VectorXd::Ones(1)), Space::Discrete(2), 100, instance),
        options_(o) {}

  Eigen::Vector2i RenderSize() const override { return {40 * static_cast<int>(options_.length), 60}; }

 private:
  // The observation is the position as a fraction of the way to the goal.
  void Observe(Eigen::VectorXd& observation) const {
    observation.resize(1);
    observation[0] = static_cast<double>(position_) / static_cast<double>(options_.length - 1);
  }

  void StartEpisode(pmlab::core::Rng& /*rng*/, Eigen::VectorXd& observation) override {
    position_ = 0;
    Observe(observation);
  }

  Transition Advance(const Eigen::VectorXd& action, pmlab::core::Rng& rng, Eigen::VectorXd& observation) override {
    bool right = action[0] == 1;
    if (rng.Uniform() < options_.slip) right = !right;
    position_ = std::clamp<std::int64_t>(position_ + (right ? 1 : -1), 0, options_.length - 1);
    Observe(observation);
    if (position_ == options_.length - 1) return {1.0, true};
    return {-0.01, false};
  }

  void Draw(pmlab::envs::Canvas& canvas) const override {
    for (std::int64_t cell = 0; cell < options_.length; ++cell) {
      const double x = 40.0 * static_cast<double>(cell);
      const std::array<Eigen::Vector2d, 4> square{Eigen::Vector2d(x + 2, 12), Eigen::Vector2d(x + 38, 12), Eigen::Vector2d(x + 38, 48),
                                                  Eigen::Vector2d(x + 2, 48)};
      const bool goal = cell == options_.length - 1;
      canvas.FillPolygon(square, goal ? pmlab::envs::Rgb{120, 200, 120} : pmlab::envs::Rgb{220, 220, 220});
    }
    canvas.FillCircle({40.0 * static_cast<double>(position_) + 20, 30}, 12, {60, 90, 200});
  }

  ChainOptions options_;
  std::int64_t position_ = 0;
};

PMLAB_REGISTER(pmlab::envs::Environments(), "Chain-v0", "a slippery chain: walk right to the goal (+1, -0.01 a step)", [](pmlab::Spec& spec) {
  ChainOptions o;
  spec.Integer("length", &o.length, 2, 1000, "cells, the start included");
  spec.Number("slip", &o.slip, "probability that a step goes the other way, in [0, 0.5)");
  if (!(o.slip >= 0 && o.slip < 0.5)) spec.Reject("slip", "must be in [0, 0.5)");
  return [o](std::uint64_t instance) -> std::unique_ptr<pmlab::envs::Environment> { return std::make_unique<Chain>(o, instance); };
});

}  // namespace

int main(int argc, char** argv) { return pmlab::Main(argc, argv); }
