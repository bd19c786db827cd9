// `pmlab rl`, `pmlab eval` and `pmlab resume` on RL runs, as a user runs them: the same run on
// any thread count, resume bit for bit with every piece of problem-owned state, refusals that
// name the flag, evaluation and rendering that leave the run alone, the truncation-bias
// measurement, presets, PPO rounds, and CartPole solved with its preset and with the plain defaults.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "runners/pmlab_process.h"

namespace {

namespace fs = std::filesystem;
using pmlab::testing::Hash;
using pmlab::testing::Metrics;
using pmlab::testing::Pmlab;
using pmlab::testing::ReadFile;

class RlCliTest : public pmlab::testing::FolderTest {
 protected:
  RlCliTest() : FolderTest("rl") {}
};

// The number after "key": in JSON text, or NaN.
double JsonNumber(const std::string& text, const std::string& key) {
  const auto at = text.find("\"" + key + "\":");
  return at == std::string::npos ? std::nan("") : std::strtod(text.c_str() + at + key.size() + 3, nullptr);
}

// Every piece of problem-owned state in play: observation statistics, the value function,
// the episode record; and the biased operators with their worker memories.
const std::string kStateful =
    "rl --env CartPole-v1 --workers 3 --episodes-per-worker 2 --normalize-observations true --estimator gae --baseline value "
    "--compress topk:0.5 --error-feedback ef --eval-every 5 --quiet ";
// The same with the value network in x and its targets' moments as state.
const std::string kValueNetwork = kStateful + "--value mlp:16 --gradient-mean step ";
// And with n-step segments, where a worker's episode count varies from iteration to iteration.
const std::string kValueNetworkSegments = kValueNetwork + "--steps-per-worker 64 ";

TEST_F(RlCliTest, ThreadsNeverChangeARunAndTheSeedDoes) {
  for (const std::string& run : {kStateful, kValueNetwork, kValueNetworkSegments,
                                 std::string("rl --env 'LunarLander-v3(continuous=true)' --workers 3 --episodes-per-worker 2 "
                                             "--steps-per-worker 100 --normalize-observations true --eval-every 0 --quiet ")}) {
    SCOPED_TRACE(run);
    for (const char* threads : {"1", "2", "4"})
      ASSERT_EQ(Pmlab(run + "--iters 8 --threads " + threads + " --out " + Out(threads)).code, 0);
    for (const char* threads : {"2", "4"}) {
      EXPECT_EQ(Metrics(Out("1")), Metrics(Out(threads))) << threads << " threads";
      EXPECT_EQ(Hash(Out("1")), Hash(Out(threads))) << threads << " threads";
    }
    // And the seed does change it.
    ASSERT_EQ(Pmlab(run + "--iters 8 --seed 2 --out " + Out("seed2")).code, 0);
    EXPECT_NE(Hash(Out("1")), Hash(Out("seed2")));
    for (const char* out : {"1", "2", "4", "seed2"}) fs::remove_all(Out(out));
  }
}

// PPO's rounds: 3 epochs of 4 minibatches on every worker's 64 steps, the KL stop armed, the
// value network in x, Adam at the server, environments that persist, rewards and observations
// normalised: every piece of state PPO adds.
const std::string kPpo =
    "rl --env CartPole-v1 --workers 3 --episodes-per-worker 2 --steps-per-worker 64 --estimator ppo --epochs 3 --minibatches 4 "
    "--target-kl 0.002 --value mlp:16 --gradient-mean step --state-weighting uniform --server adam --lr 0.003 --eval-every 5 --quiet "
    "--persistent-envs true --normalize-rewards true --normalize-observations true ";

TEST_F(RlCliTest, PpoRoundsAreTheSameOnAnyThreadCountAndLogWhatPpoUsersRead) {
  for (const char* threads : {"1", "2", "4"})
    ASSERT_EQ(Pmlab(kPpo + "--iters 6 --threads " + threads + " --out " + Out(threads)).code, 0);
  for (const char* threads : {"2", "4"}) {
    EXPECT_EQ(Metrics(Out("1")), Metrics(Out(threads))) << threads << " threads";
    EXPECT_EQ(Hash(Out("1")), Hash(Out(threads))) << threads << " threads";
  }
  const std::string metrics = ReadFile(Out("1") + "/metrics.csv");
  EXPECT_NE(metrics.find(",approx_kl,clip_fraction,entropy,explained_variance,"), std::string::npos) << metrics;
  // Without reuse the columns are not there: existing runs keep their metrics' shape.
  ASSERT_EQ(Pmlab(kStateful + "--iters 1 --out " + Out("plain")).code, 0);
  EXPECT_EQ(ReadFile(Out("plain") + "/metrics.csv").find("approx_kl"), std::string::npos);
}

// The last row's value of `column` in a run's metrics.csv, or NaN when the cell is empty.
double LastValue(const std::string& run, const std::string& column) {
  std::istringstream in(ReadFile(run + "/metrics.csv"));
  std::string header, line, last;
  std::getline(in, header);
  while (std::getline(in, line)) last = line;
  std::vector<std::string> names, cells;
  for (std::istringstream h(header); std::getline(h, line, ',');) names.push_back(line);
  for (std::istringstream l(last); std::getline(l, line, ',');) cells.push_back(line);
  for (std::size_t i = 0; i < names.size() && i < cells.size(); ++i)
    if (names[i] == column) return cells[i].empty() ? std::nan("") : std::stod(cells[i]);
  return std::nan("");
}

TEST_F(RlCliTest, ReuseBiasIsMeasuredPerEpochAndReuseWithoutRatiosIsFarMoreBiased) {
  // Samples drawn at an iteration's start and reused two epochs later: with PPO's ratios, and
  // as they are (gae). 128 batch pairs per measurement, from fixed streams.
  const std::string run = "rl --env CartPole-v1 --workers 2 --episodes-per-worker 2 --steps-per-worker 128 --epochs 3 "
                          "--minibatches 2 --value mlp:16 --gradient-mean step --state-weighting uniform --server adam --lr 0.03 "
                          "--iters 2 --measure-bias-every 2 --bias-reference-batches 128 --eval-every 0 --quiet ";
  for (const char* estimator : {"ppo", "gae"})
    ASSERT_EQ(Pmlab(run + "--estimator " + estimator + " --out " + Out(estimator)).code, 0) << estimator;
  const std::string metrics = ReadFile(Out("ppo") + "/metrics.csv");
  EXPECT_NE(metrics.find("bias_after_epoch_1,bias_mc_error_after_epoch_1,bias_after_epoch_2,bias_mc_error_after_epoch_2,"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\n1,"), std::string::npos);
  const double ppo = LastValue(Out("ppo"), "bias_after_epoch_2"), ppo_error = LastValue(Out("ppo"), "bias_mc_error_after_epoch_2");
  const double plain = LastValue(Out("gae"), "bias_after_epoch_2"), plain_error = LastValue(Out("gae"), "bias_mc_error_after_epoch_2");
  ASSERT_TRUE(std::isfinite(ppo) && std::isfinite(plain)) << metrics;
  EXPECT_GT(ppo_error, 0);
  EXPECT_GT(plain - ppo, 5 * (plain_error + ppo_error)) << "ppo " << ppo << " +- " << ppo_error << ", plain " << plain << " +- " << plain_error;
  // The same figures on one thread as on two.
  ASSERT_EQ(Pmlab(run + "--estimator ppo --threads 1 --out " + Out("ppo-1")).code, 0);
  EXPECT_EQ(Metrics(Out("ppo-1")), Metrics(Out("ppo")));
}

TEST_F(RlCliTest, PresetsStartARunAndItsConfigReplaysWithoutThem) {
  // --env alone takes CartPole's preset (PPO, Adam); the config records every value.
  ASSERT_EQ(Pmlab("rl --env CartPole-v1 --iters 2 --eval-every 0 --quiet --out " + Out("preset")).code, 0);
  const std::string config = ReadFile(Out("preset") + "/config.toml");
  for (const char* line : {"estimator=\"ppo\"", "epochs=20", "server=\"adam\"", "steps-per-worker=32", "persistent-envs=true"})
    EXPECT_NE(config.find(line), std::string::npos) << line << "\n" << config;
  // The replay is the same run whether or not a preset could apply: none is read with --config.
  for (const char* replay : {"", " --preset none"}) {
    ASSERT_EQ(Pmlab("rl --config " + Out("preset") + "/config.toml --quiet" + replay + " --out " + Out("replay")).code, 0);
    EXPECT_EQ(Hash(Out("replay")), Hash(Out("preset"))) << replay;
    EXPECT_EQ(Metrics(Out("replay")), Metrics(Out("preset"))) << replay;
    fs::remove_all(Out("replay"));
  }
  // Under a named preset a flag overrides the preset's value and leaves the rest.
  ASSERT_EQ(Pmlab("rl --env CartPole-v1 --preset CartPole-v1 --epochs 3 --iters 1 --eval-every 0 --quiet --out " + Out("flag")).code, 0);
  const std::string flagged = ReadFile(Out("flag") + "/config.toml");
  EXPECT_NE(flagged.find("epochs=3\n"), std::string::npos) << flagged;
  EXPECT_NE(flagged.find("server=\"adam\""), std::string::npos) << flagged;
  // A command that chooses its method itself, as every recipe from before presets does, runs
  // as it always did: the automatic preset stays out of it.
  ASSERT_EQ(Pmlab("rl --env CartPole-v1 --workers 3 --iters 1 --eval-every 0 --quiet --out " + Out("chosen")).code, 0);
  ASSERT_EQ(Pmlab("rl --env CartPole-v1 --workers 3 --preset none --iters 1 --eval-every 0 --quiet --out " + Out("chosen-none")).code, 0);
  EXPECT_EQ(Hash(Out("chosen")), Hash(Out("chosen-none")));
  // --preset none: the plain defaults.
  ASSERT_EQ(Pmlab("rl --env CartPole-v1 --preset none --iters 1 --eval-every 0 --quiet --out " + Out("plain")).code, 0);
  const std::string plain = ReadFile(Out("plain") + "/config.toml");
  EXPECT_NE(plain.find("estimator=\"gae\""), std::string::npos) << plain;
  EXPECT_NE(plain.find("server=\"momentum\""), std::string::npos) << plain;
  // A named preset serves a variant of its environment.
  ASSERT_EQ(Pmlab("rl --env 'CartPole-v1(pole_length=0.6)' --preset CartPole-v1 --iters 1 --eval-every 0 --quiet --out " + Out("named")).code, 0);
  EXPECT_NE(ReadFile(Out("named") + "/config.toml").find("epochs=20"), std::string::npos);
  // Unknown presets are usage errors before any folder exists.
  const auto unknown = Pmlab("rl --env CartPole-v1 --preset Hopper-v4 --iters 1 --out " + Out("bad"));
  EXPECT_EQ(unknown.code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("--preset: there is no preset 'Hopper-v4'"), std::string::npos) << unknown.output;
  EXPECT_FALSE(fs::exists(Out("bad")));
  // pmlab envs says which environments have one, and rl --help what each sets.
  EXPECT_NE(Pmlab("envs").output.find("preset       pmlab rl --env LunarLander-v3 starts from tuned settings"), std::string::npos);
  EXPECT_NE(Pmlab("rl --help").output.find("LunarLanderContinuous-v3: --workers 8"), std::string::npos);
}

TEST_F(RlCliTest, EveryShippedPresetRuns) {
  // The presets pmlab rl --help lists ("  NAME: --flag value ..."), families' among them.
  std::istringstream listing(Pmlab("rl --help").output);
  std::vector<std::string> envs;
  for (std::string line; std::getline(listing, line);)
    if (const auto colon = line.find(": --workers "); line.starts_with("  ") && colon != std::string::npos) envs.push_back(line.substr(2, colon - 2));
  EXPECT_GE(envs.size(), 7u);
  EXPECT_NE(std::find(envs.begin(), envs.end(), "PointNav"), envs.end());
  for (const std::string& env : envs) {
    const auto o = Pmlab("rl --env " + env + " --iters 1 --eval-every 0 --quiet --out " + Out(env));
    EXPECT_EQ(o.code, 0) << env << "\n" << o.output;
    EXPECT_NE(ReadFile(Out(env) + "/config.toml").find("estimator=\"ppo"), std::string::npos) << env;  // ppo, or ppo(ratio_clip=...)
  }
}

TEST_F(RlCliTest, ResumeContinuesBitForBit) {
  for (const std::string& run : {kStateful, kValueNetwork, kValueNetworkSegments, kPpo}) {
    SCOPED_TRACE(run);
    ASSERT_EQ(Pmlab(run + "--iters 20 --out " + Out("whole")).code, 0);
    ASSERT_EQ(Pmlab(run + "--iters 9 --out " + Out("split")).code, 0);
    ASSERT_EQ(Pmlab("resume " + Out("split") + " --iters 20 --quiet").code, 0);
    EXPECT_EQ(Metrics(Out("whole")), Metrics(Out("split")));
    EXPECT_EQ(Hash(Out("whole")), Hash(Out("split")));
    const std::string whole = ReadFile(Out("whole") + "/summary.json"), split = ReadFile(Out("split") + "/summary.json");
    for (const char* key : {"episodes_total", "steps_total", "best_mean_return", "final_mean_return"})
      EXPECT_EQ(JsonNumber(whole, key), JsonNumber(split, key)) << key;
    for (const char* out : {"whole", "split"}) fs::remove_all(Out(out));
  }
}

TEST_F(RlCliTest, BadInputsExitTwoNamingTheFlag) {
  const std::pair<std::string, std::string> cases[] = {
      {"--env Nonsense-v0", "--env"},
      {"--horizon -1", "--horizon"},
      {"--discount 0", "--discount"},
      {"--discount 1.5", "--discount"},
      {"--gae-lambda 1.5", "--gae-lambda"},
      {"--gae-lambda -0.1", "--gae-lambda"},
      {"--env CartPole-v1 --action-dist gaussian", "--action-dist"},
      {"--env Pendulum-v1 --action-dist categorical", "--action-dist"},
      {"--env CartPole-v1 --activation sigmoid", "--activation"},
      {"--env 'PointNav(goal_range=-1)'", "--env"},
      {"--estimator gae --baseline mean", "--baseline"},
      {"--policy mlp:", "--policy"},
      {"--gradient-mean sometimes", "--gradient-mean"},
      {"--state-weighting exponential", "--state-weighting"},
      {"--episodes-per-worker 3 --steps-per-worker 100", "--steps-per-worker"},
      {"--value mlp:", "--value"},
      {"--value mlp:8 --estimator gpomdp --baseline none", "--value"},
      {"--value mlp:8 --value-coef 0", "--value-coef"},
      {"--epochs 0", "--epochs"},
      {"--epochs 100000 --steps-per-worker 1000000 --minibatches 1000000", "--epochs x --minibatches: 100000000000 server steps"},
      {"--minibatches 4", "--minibatches: splits a fixed number of samples"},
      {"--steps-per-worker 100 --minibatches 101", "--minibatches: 101 minibatches"},
      {"--estimator gae --target-kl 0.01", "--target-kl: the approximate KL is measured by --estimator ppo"},
      {"--estimator ppo --target-kl -1", "--target-kl"},
      {"--estimator 'ppo(ratio_clip=0)'", "--estimator"},
      {"--estimator ppo --measure-bias-every 5", "--measure-bias-every: measures reused samples at the start of each epoch"},
      {"--steps-per-worker 100 --measure-bias-every 5", "--measure-bias-every: measures the truncation of whole episodes"},
      {"--persistent-envs true", "--persistent-envs: episodes persist across a step budget"},
      {"--normalize-rewards true --measure-bias-every 5", "--measure-bias-every"},
  };
  for (const auto& [flags, named] : cases) {
    const auto o = Pmlab("rl " + flags + " --iters 1 --out " + Out("bad"));
    EXPECT_EQ(o.code, 2) << flags << "\n" << o.output;
    EXPECT_NE(o.output.find(named), std::string::npos) << flags << "\n" << o.output;
    EXPECT_FALSE(fs::exists(Out("bad"))) << flags;
  }
}

TEST_F(RlCliTest, EvalReportsReturnsAndRendersWithoutTouchingTheRun) {
  ASSERT_EQ(Pmlab("rl --env CartPole-v1 --iters 3 --quiet --out " + Out("run")).code, 0);
  const std::string before = Metrics(Out("run")) + ReadFile(Out("run") + "/summary.json");
  const auto json = Pmlab("eval " + Out("run") + " --episodes 5 --seed 3 --json");
  ASSERT_EQ(json.code, 0) << json.output;
  const double mean = JsonNumber(json.output, "return_mean");
  EXPECT_GE(mean, 8);
  EXPECT_LE(JsonNumber(json.output, "return_min"), mean);
  EXPECT_GE(JsonNumber(json.output, "return_max"), mean);
  EXPECT_EQ(JsonNumber(json.output, "solved_threshold"), 475);
  EXPECT_EQ(JsonNumber(json.output, "episodes"), 5);
  // The same seed, the same episodes; the text form says the same.
  EXPECT_EQ(Pmlab("eval " + Out("run") + " --episodes 5 --seed 3 --json").output, json.output);
  const auto text = Pmlab("eval " + Out("run") + " --episodes 5 --seed 3");
  EXPECT_NE(text.output.find("return "), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("solved"), std::string::npos) << text.output;

  const auto render = Pmlab("eval " + Out("run") + " --episodes 2 --deterministic --render " + Out("video"));
  ASSERT_EQ(render.code, 0) << render.output;
  int gifs = 0;
  for (const auto& file : fs::directory_iterator(Out("video"))) {
    const std::string name = file.path().filename().string();
    EXPECT_EQ(name.rfind("episode-", 0), 0u) << name;
    EXPECT_NE(name.find("_return_"), std::string::npos) << name;
    EXPECT_EQ(ReadFile(file.path()).substr(0, 6), "GIF89a");
    ++gifs;
  }
  EXPECT_EQ(gifs, 2);
  EXPECT_EQ(Metrics(Out("run")) + ReadFile(Out("run") + "/summary.json"), before);
}

TEST_F(RlCliTest, TruncationBiasShrinksWithTheHorizon) {
  // At the first policy (a near-uniform one, whose episodes last about 20 steps), GPOMDP without a
  // baseline is unbiased but for the truncation.
  const std::string base = "rl --env CartPole-v1 --estimator gpomdp --baseline none --normalize-advantages false --iters 1 "
                           "--measure-bias-every 1 --bias-reference-horizon 500 --bias-reference-batches 400 --eval-every 0 --quiet ";
  double bias[2], error[2];
  const int horizons[2] = {5, 40};
  for (int i = 0; i < 2; ++i) {
    const std::string out = Out("h" + std::to_string(horizons[i]));
    ASSERT_EQ(Pmlab(base + "--horizon " + std::to_string(horizons[i]) + " --out " + out).code, 0);
    const std::string metrics = ReadFile(out + "/metrics.csv");
    const std::string header = metrics.substr(0, metrics.find('\n'));
    ASSERT_NE(header.find(",bias,bias_mc_error,"), std::string::npos) << header;
    // The row's cells after the episode columns: bias and its Monte-Carlo error.
    const std::string row = metrics.substr(metrics.find('\n') + 1);
    const auto column = [&](const std::string& name) {
      int index = 0;
      for (std::size_t at = 0; at < header.find("," + name + ","); at = header.find(',', at) + 1) ++index;
      std::size_t at = 0;
      for (int c = 0; c < index; ++c) at = row.find(',', at) + 1;
      return std::strtod(row.c_str() + at, nullptr);
    };
    bias[i] = column("bias");
    error[i] = column("bias_mc_error");
  }
  EXPECT_GT(bias[0], 0.5) << "H = 5 misses most of an episode";
  EXPECT_LT(bias[1], 0.5 * bias[0]);
  EXPECT_LT(error[0], 0.2 * bias[0]);
}

TEST_F(RlCliTest, CartPolesPresetAndThePlainDefaultsLearnIt) {
  // The plain defaults solve it: 20 evaluation episodes at 475 or more.
  const auto plain = Pmlab("rl --env CartPole-v1 --preset none --quiet --out " + Out("cartpole-plain"));
  ASSERT_EQ(plain.code, 0) << plain.output;
  const auto eval = Pmlab("eval " + Out("cartpole-plain") + " --episodes 20 --json");
  ASSERT_EQ(eval.code, 0) << eval.output;
  EXPECT_GE(JsonNumber(eval.output, "return_mean"), 475) << eval.output;
  EXPECT_GT(JsonNumber(ReadFile(Out("cartpole-plain") + "/summary.json"), "first_iteration_solved"), 0);
  // The preset (PPO) reaches the threshold in training. Its final policy is at 475 or more in
  // most seeds and builds but not all (PPO's late oscillations, docs/benchmarks.md), so the
  // test asks only that it learned: far above a random policy's 22.
  const auto preset = Pmlab("rl --env CartPole-v1 --quiet --out " + Out("cartpole-preset"));
  ASSERT_EQ(preset.code, 0) << preset.output;
  EXPECT_GT(JsonNumber(ReadFile(Out("cartpole-preset") + "/summary.json"), "first_iteration_solved"), 0);
  const auto preset_eval = Pmlab("eval " + Out("cartpole-preset") + " --episodes 20 --json");
  EXPECT_GE(JsonNumber(preset_eval.output, "return_mean"), 150) << preset_eval.output;
}

}  // namespace
