// `pmlab meta` on RL task families as a user meets it: determinism across thread counts and the
// seed, resume with the problem's state, meta-testing with `pmlab eval`, clear errors for bad
// options, and a PointNav run that learns to adapt.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/run/metrics_table.h"
#include "runners/pmlab_process.h"

namespace {

namespace fs = std::filesystem;

using pmlab::testing::Hash;
using pmlab::testing::Metrics;
using pmlab::testing::Outcome;
using pmlab::testing::Pmlab;
using pmlab::testing::ReadFile;

// The numbers of the JSON array `key` in `text` (pmlab eval --json).
std::vector<double> JsonArray(const std::string& text, const std::string& key) {
  std::vector<double> values;
  auto at = text.find("\"" + key + "\":");
  if (at == std::string::npos) return values;
  at = text.find('[', at);
  const char* p = text.c_str() + at + 1;
  while (*p != '\0' && *p != ']') {
    char* end = nullptr;
    const double v = std::strtod(p, &end);
    if (end == p) {
      ++p;  // a comma or whitespace
      continue;
    }
    values.push_back(v);
    p = end;
  }
  return values;
}

// maml-pg-dice reads the problem's state (its score baseline) every iteration; Top-K with error
// feedback keeps worker memories.
const std::string kNav =
    "meta --task pointnav --algo maml-pg-dice --meta-batch 4 --workers 4 --inner-episodes 4 --horizon 20 --inner-lr 0.1 --lr 0.5 "
    "--clip norm:1 --compress topk:0.5 --error-feedback ef --eval-every 3 --eval-tasks 4 --quiet ";

class MetaRlCliTest : public pmlab::testing::FolderTest {
 protected:
  MetaRlCliTest() : FolderTest("meta-rl") {}
};

TEST_F(MetaRlCliTest, ThreadsNeverChangeARunAndTheSeedDoes) {
  for (const char* threads : {"1", "2", "4"}) {
    const Outcome o = Pmlab(kNav + "--iters 6 --threads " + threads + " --out " + Out(threads));
    ASSERT_EQ(o.code, 0) << o.output;
  }
  for (const char* threads : {"2", "4"}) {
    EXPECT_EQ(Metrics(Out("1")), Metrics(Out(threads))) << threads << " threads";
    EXPECT_EQ(Hash(Out("1")), Hash(Out(threads))) << threads << " threads";
  }
  ASSERT_EQ(Pmlab(kNav + "--iters 6 --seed 2 --out " + Out("seed2")).code, 0);
  EXPECT_NE(Hash(Out("1")), Hash(Out("seed2")));
}

TEST_F(MetaRlCliTest, ResumeContinuesBitForBit) {
  ASSERT_EQ(Pmlab(kNav + "--iters 6 --out " + Out("whole")).code, 0);
  ASSERT_EQ(Pmlab(kNav + "--iters 3 --out " + Out("split")).code, 0);
  ASSERT_EQ(Pmlab("resume " + Out("split") + " --iters 6 --quiet").code, 0);
  EXPECT_EQ(Metrics(Out("whole")), Metrics(Out("split")));
  EXPECT_EQ(Hash(Out("whole")), Hash(Out("split")));
}

// ProMP's and Loaded DiCE's estimators, on PointNav's Gaussian policy and on the tabular family
// with its exact bias measurement.
TEST_F(MetaRlCliTest, CurvatureEstimatorsKeepThreadsAndResumeBitForBit) {
  const std::string tabular =
      "meta --task 'TabularMdp(states=3,actions=2,horizon=4)' --hidden none --meta-batch 4 --workers 4 --inner-episodes 3 "
      "--inner-lr 0.5 --lr 0.5 --measure-bias-every 2 --bias-reference-tasks 20 --eval-every 3 --eval-tasks 4 --quiet ";
  const std::string nav = kNav.substr(0, kNav.find("--algo")) + kNav.substr(kNav.find("--meta-batch"));
  int k = 0;
  for (const std::string& base : {nav + "--algo promp ", nav + "--algo maml-pg-dice --dice-baseline loaded ",
                                  tabular + "--algo promp ", tabular + "--algo maml-pg-dice --dice-baseline loaded "}) {
    SCOPED_TRACE(base);
    const std::string name = std::to_string(k++);
    ASSERT_EQ(Pmlab(base + "--iters 6 --threads 1 --out " + Out(name + "-1")).code, 0);
    const Outcome three = Pmlab(base + "--iters 6 --threads 3 --out " + Out(name + "-3"));
    ASSERT_EQ(three.code, 0) << three.output;
    EXPECT_EQ(Metrics(Out(name + "-1")), Metrics(Out(name + "-3")));
    EXPECT_EQ(Hash(Out(name + "-1")), Hash(Out(name + "-3")));
    ASSERT_EQ(Pmlab(base + "--iters 3 --out " + Out(name + "-split")).code, 0);
    ASSERT_EQ(Pmlab("resume " + Out(name + "-split") + " --iters 6 --quiet").code, 0);
    EXPECT_EQ(Metrics(Out(name + "-1")), Metrics(Out(name + "-split")));
    EXPECT_EQ(Hash(Out(name + "-1")), Hash(Out(name + "-split")));
  }
  // The tabular runs logged their exact bias.
  const auto table = pmlab::core::MetricsTable::Load(fs::path(Out("2-1")) / "metrics.csv");
  const double bias = table.rows[1][table.Column("bias")];
  EXPECT_TRUE(std::isfinite(bias) && bias > 0) << bias;
}

TEST_F(MetaRlCliTest, EvalReportsReturnsPerAdaptationStepWithoutTouchingTheRun) {
  ASSERT_EQ(Pmlab(kNav + "--iters 2 --out " + Out("run")).code, 0);
  const std::string hash = Hash(Out("run"));
  const Outcome json = Pmlab("eval " + Out("run") + " --tasks 5 --steps 2 --json");
  ASSERT_EQ(json.code, 0) << json.output;
  const std::vector<double> returns = JsonArray(json.output, "return"), ci = JsonArray(json.output, "return_ci95");
  ASSERT_EQ(returns.size(), 3u) << json.output;
  ASSERT_EQ(ci.size(), 3u);
  for (std::size_t j = 0; j < 3; ++j) {
    EXPECT_LT(returns[j], 0) << "PointNav's rewards are minus distances";
    EXPECT_GT(ci[j], 0);
  }
  EXPECT_EQ(Pmlab("eval " + Out("run") + " --tasks 5 --steps 2 --json").output, json.output);  // same held-out tasks
  const Outcome text = Pmlab("eval " + Out("run") + " --tasks 5 --steps 2");
  EXPECT_NE(text.output.find("5 held-out tasks"), std::string::npos) << text.output;
  EXPECT_EQ(Hash(Out("run")), hash);
}

TEST_F(MetaRlCliTest, EvalComparesStartingPointsOnTheSameTasksAndDrawsThem) {
  ASSERT_EQ(Pmlab(kNav + "--iters 2 --out " + Out("run")).code, 0);
  // Multi-task pretraining: the same family and policy with no inner step.
  ASSERT_EQ(Pmlab(kNav + "--iters 2 --inner-steps 0 --out " + Out("pretrained")).code, 0);
  const std::string protocol = " --tasks 3 --steps 2 --adapt-lr 0.2,0.1 --adapt-episodes 2 --json";
  const Outcome all = Pmlab("eval " + Out("run") + protocol + " --against random," + Out("pretrained") + " --render " + Out("gifs"));
  ASSERT_EQ(all.code, 0) << all.output;
  EXPECT_NE(all.output.find("\"step_sizes\": [\n        0.2,\n        0.1\n    ]"), std::string::npos) << all.output;
  const std::size_t against = all.output.find("\"against\"");
  ASSERT_NE(against, std::string::npos) << all.output;
  const std::string others = all.output.substr(against);
  EXPECT_NE(others.find("\"start\": \"random\""), std::string::npos) << others;
  // The run's own row is what eval reports without --against.
  const Outcome alone = Pmlab("eval " + Out("run") + protocol);
  ASSERT_EQ(alone.code, 0) << alone.output;
  EXPECT_EQ(JsonArray(alone.output, "return"), JsonArray(all.output, "return"));
  // The pretrained run's row is its own evaluation with this protocol (the same seed, hence the
  // same held-out tasks and draws).
  const std::string pretrained_rows = others.substr(others.find(Out("pretrained")));
  const Outcome own = Pmlab("eval " + Out("pretrained") + protocol);
  ASSERT_EQ(own.code, 0) << own.output;
  EXPECT_EQ(JsonArray(own.output, "return"), JsonArray(pretrained_rows, "return"));
  EXPECT_NE(JsonArray(all.output, "return"), JsonArray(others, "return"));  // random differs from meta-trained
  // The paired difference's mean is the difference of the means.
  const std::vector<double> mine = JsonArray(all.output, "return"), random = JsonArray(others, "return"),
                            difference = JsonArray(others, "difference"), spread = JsonArray(others, "difference_ci95");
  ASSERT_EQ(difference.size(), 3u) << others;
  ASSERT_EQ(spread.size(), 3u) << others;
  for (std::size_t j = 0; j < 3; ++j) {
    EXPECT_NEAR(difference[j], mine[j] - random[j], 1e-9 * (1 + std::abs(mine[j])));
    EXPECT_GT(spread[j], 0);
  }
  // One GIF per starting point, task and step.
  int gifs = 0;
  for (const auto& entry : fs::directory_iterator(Out("gifs"))) gifs += entry.path().extension() == ".gif";
  EXPECT_EQ(gifs, 3 * 3 * 3);
}

TEST_F(MetaRlCliTest, EvalAdaptsFromAPolicyThatPmlabRlTrainedAcrossTheFamily) {
  ASSERT_EQ(Pmlab(kNav + "--iters 1 --out " + Out("run")).code, 0);
  // One step too small to move a float: the rl run's policy is still its initialisation, which
  // is drawn from the same stream of the same seed as the meta run's. Its column must then be
  // the meta run's `random` one exactly, which holds only if eval reads the rl run's policy
  // parameters (not its value network's) in the meta run's layout.
  const std::string rl = "rl --env PointNav --policy mlp:100,100 --horizon 20 --iters 1 --eval-every 0 --quiet ";
  ASSERT_EQ(Pmlab(rl + "--lr 1e-300 --out " + Out("still")).code, 0);
  ASSERT_EQ(Pmlab(rl + "--lr 0.5 --out " + Out("moved")).code, 0);
  const std::string protocol = " --tasks 3 --steps 1 --adapt-episodes 2 --json --against ";
  const Outcome still = Pmlab("eval " + Out("run") + protocol + "random," + Out("still"));
  ASSERT_EQ(still.code, 0) << still.output;
  const std::string random = still.output.substr(still.output.find("\"start\": \"random\""));
  const std::string pretrained = random.substr(random.find("\"start\": \"" + Out("still")));
  ASSERT_EQ(JsonArray(random, "return").size(), 2u) << still.output;
  EXPECT_EQ(JsonArray(random, "return"), JsonArray(pretrained, "return"));
  const Outcome moved = Pmlab("eval " + Out("run") + protocol + Out("moved"));
  ASSERT_EQ(moved.code, 0) << moved.output;
  const std::string trained = moved.output.substr(moved.output.find("\"start\": \"" + Out("moved")));
  EXPECT_NE(JsonArray(trained, "return"), JsonArray(pretrained, "return"));
}

TEST_F(MetaRlCliTest, MetaTrainingStartsFromAnotherRunsPolicy) {
  const std::string rl = "rl --env PointNav --policy mlp:100,100 --horizon 20 --iters 1 --eval-every 0 --quiet ";
  ASSERT_EQ(Pmlab(rl + "--lr 0.5 --out " + Out("pretrained")).code, 0);
  // A step too small to move a float: the meta run's parameters are still its start, which must
  // then be the rl run's policy: the two adapt identically on the same held-out tasks.
  const Outcome still = Pmlab(kNav + "--iters 1 --lr 1e-300 --init-from " + Out("pretrained") + " --out " + Out("still"));
  ASSERT_EQ(still.code, 0) << still.output;
  const Outcome eval = Pmlab("eval " + Out("still") + " --tasks 3 --steps 1 --adapt-episodes 2 --json --against " + Out("pretrained"));
  ASSERT_EQ(eval.code, 0) << eval.output;
  const std::string theirs = eval.output.substr(eval.output.find("\"against\""));
  ASSERT_EQ(JsonArray(eval.output, "return").size(), 2u) << eval.output;
  EXPECT_EQ(JsonArray(eval.output, "return"), JsonArray(theirs, "return"));
  // config.toml names the checkpoint file it started from, so the run repeats after the other
  // run has gone on; and a resume starts from its own checkpoint, without the other run.
  ASSERT_EQ(Pmlab(kNav + "--iters 4 --init-from " + Out("pretrained") + " --out " + Out("whole")).code, 0);
  ASSERT_EQ(Pmlab(kNav + "--iters 2 --init-from " + Out("pretrained") + " --out " + Out("split")).code, 0);
  ASSERT_EQ(Pmlab("meta --config " + Out("whole") + "/config.toml --quiet --out " + Out("again")).code, 0);
  ASSERT_EQ(Pmlab("resume " + Out("pretrained") + " --iters 2 --quiet").code, 0);
  ASSERT_EQ(Pmlab("meta --config " + Out("whole") + "/config.toml --quiet --out " + Out("after")).code, 0);
  fs::remove_all(Out("pretrained"));
  ASSERT_EQ(Pmlab("resume " + Out("split") + " --iters 4 --quiet").code, 0);
  EXPECT_EQ(Hash(Out("whole")), Hash(Out("again")));
  EXPECT_EQ(Hash(Out("whole")), Hash(Out("after")));
  EXPECT_EQ(Hash(Out("whole")), Hash(Out("split")));
  ASSERT_EQ(Pmlab(kNav + "--iters 4 --out " + Out("random")).code, 0);
  EXPECT_NE(Hash(Out("whole")), Hash(Out("random")));
  // Any environment of the family's spaces may train the start (one goal here), though only the
  // family itself is the pretraining baseline that eval --against compares.
  ASSERT_EQ(Pmlab("rl --env PointNav-v0 --policy mlp:100,100 --horizon 20 --iters 1 --eval-every 0 --quiet --out " + Out("one-goal")).code, 0);
  const Outcome from = Pmlab(kNav + "--iters 1 --init-from " + Out("one-goal") + " --out " + Out("from-one-goal"));
  EXPECT_EQ(from.code, 0) << from.output;
  EXPECT_EQ(Pmlab("eval " + Out("random") + " --tasks 2 --against " + Out("one-goal")).code, 2);
}

TEST_F(MetaRlCliTest, CartPoleTasksRunWithACategoricalPolicy) {
  const Outcome run = Pmlab("meta --task cartpole --algo maml-pg --inner-lr 0.1 --meta-batch 2 --workers 2 --inner-episodes 3 "
                            "--horizon 50 --iters 2 --eval-every 0 --quiet --out " + Out("cartpole"));
  ASSERT_EQ(run.code, 0) << run.output;
  const Outcome eval = Pmlab("eval " + Out("cartpole") + " --tasks 3 --steps 1 --json");
  ASSERT_EQ(eval.code, 0) << eval.output;
  const std::vector<double> r = JsonArray(eval.output, "return");
  ASSERT_EQ(r.size(), 2u) << eval.output;
  for (const double v : r) {
    EXPECT_GE(v, 1.0) << "CartPole pays 1 per step";
    EXPECT_LE(v, 50.0) << "at most the horizon";
  }
}

TEST_F(MetaRlCliTest, BadEvalOptionsExitTwoNamingTheFlag) {
  ASSERT_EQ(Pmlab(kNav + "--iters 1 --out " + Out("run")).code, 0);
  ASSERT_EQ(Pmlab("meta --task sine --iters 1 --quiet --out " + Out("sine")).code, 0);
  ASSERT_EQ(Pmlab(kNav + "--iters 1 --hidden 8 --out " + Out("small")).code, 0);
  const std::string rl = "rl --horizon 20 --iters 1 --eval-every 0 --quiet ";
  ASSERT_EQ(Pmlab(rl + "--env PointNav --policy mlp:8 --out " + Out("rl-small")).code, 0);
  ASSERT_EQ(Pmlab(rl + "--env PointNav --policy mlp:100,100 --normalize-observations true --out " + Out("rl-normalized")).code, 0);
  ASSERT_EQ(Pmlab(rl + "--env 'PointNav(goal_range=1)' --policy mlp:100,100 --out " + Out("rl-wide")).code, 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Out("run") + " --adapt-lr 0", "--adapt-lr"},
      {Out("run") + " --adapt-lr 0.1,fast", "--adapt-lr"},
      {Out("run") + " --adapt-episodes -1", "--adapt-episodes"},
      {Out("run") + " --against " + Out("missing"), "--against"},
      {Out("run") + " --against " + Out("sine"), "--against"},
      {Out("run") + " --against " + Out("small"), "--against"},
      {Out("run") + " --against " + Out("rl-small"), "--against"},
      {Out("run") + " --against " + Out("rl-normalized"), "--against"},
      {Out("run") + " --against " + Out("rl-wide"), "--against"},
      {Out("sine") + " --against random", "--against"},
  };
  for (const auto& [flags, named] : cases) {
    const Outcome o = Pmlab("eval " + flags + " --tasks 2");
    EXPECT_EQ(o.code, 2) << flags << "\n" << o.output;
    EXPECT_NE(o.output.find(named), std::string::npos) << flags << "\n" << o.output;
  }
}

TEST_F(MetaRlCliTest, BadInputsExitTwoNamingTheFlag) {
  ASSERT_EQ(Pmlab("meta --task sine --iters 1 --quiet --out " + Out("sine")).code, 0);
  const std::string rl = "rl --horizon 20 --iters 1 --eval-every 0 --quiet ";
  ASSERT_EQ(Pmlab(rl + "--env PointNav --policy mlp:8 --out " + Out("rl-small")).code, 0);
  ASSERT_EQ(Pmlab(rl + "--env CartPole-v1 --policy mlp:100,100 --out " + Out("rl-cartpole")).code, 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--task NoSuchFamily --algo maml-pg", "--task"},
      {"--task 'PointNav(goal_range=-1)' --algo maml-pg", "--task"},
      {"--task pointnav --algo maml", "--algo"},
      {"--task sine --algo maml-pg", "--algo"},
      {"--task pointnav --algo maml-pg --meta-batch 5 --workers 2", "--meta-batch"},
      {"--task pointnav --algo maml-pg --estimator gae --baseline mean", "--baseline"},
      {"--task pointnav --algo maml-pg --gradient-mean sometimes", "--gradient-mean"},
      {"--task cartpole --algo maml-pg --action-dist gaussian", "--action-dist"},
      {"--task pointnav --algo maml-pg --activation sigmoid", "--activation"},
      {"--task pointnav --algo maml-pg-dice --dice-baseline sometimes", "--dice-baseline"},
      {"--task pointnav --algo promp --dice-baseline loaded", "--dice-baseline"},
      {"--task sine --algo maml --dice-baseline loaded", "--dice-baseline"},
      {"--task 'TabularMdp(states=0)' --algo promp", "--task"},
      {"--task 'TabularMdp(actions=1)' --algo promp", "--task"},
      {"--task 'TabularMdp(horizon=1e9)' --algo promp", "--task"},
      {"--task 'TabularMdp(mdp=-2)' --algo promp", "--task"},
      {"--task pointnav --algo maml-pg --init-from " + Out("missing"), "--init-from"},
      {"--task pointnav --algo maml-pg --init-from " + Out("sine"), "--init-from"},
      {"--task pointnav --algo maml-pg --init-from " + Out("rl-small"), "--init-from"},
      {"--task pointnav --algo maml-pg --init-from " + Out("rl-cartpole"), "--init-from"},
      {"--task sine --algo maml --init-from " + Out("sine"), "--init-from"},
  };
  for (const auto& [flags, named] : cases) {
    const Outcome o = Pmlab("meta " + flags + " --iters 1 --quiet --out " + Out("bad"));
    EXPECT_EQ(o.code, 2) << flags << "\n" << o.output;
    EXPECT_NE(o.output.find(named), std::string::npos) << flags << "\n" << o.output;
    EXPECT_FALSE(fs::exists(Out("bad"))) << flags;
  }
}

TEST_F(MetaRlCliTest, PointNavLearnsToAdaptInOneStep) {
  // MAML's 2-D navigation, smaller: 150 meta-iterations of 10 tasks x 10 episodes.
  const Outcome run = Pmlab(
      "meta --task pointnav --algo maml-pg --meta-batch 10 --workers 10 --inner-episodes 10 --inner-lr 0.1 --lr 0.5 --clip norm:1 "
      "--iters 150 --eval-every 0 --quiet --out " + Out("nav"));
  ASSERT_EQ(run.code, 0) << run.output;
  const Outcome eval = Pmlab("eval " + Out("nav") + " --tasks 20 --steps 1 --json");
  ASSERT_EQ(eval.code, 0) << eval.output;
  const std::vector<double> r = JsonArray(eval.output, "return"), ci = JsonArray(eval.output, "return_ci95");
  ASSERT_EQ(r.size(), 2u) << eval.output;
  // One step of adaptation on held-out goals gains a quarter of the unadapted return.
  EXPECT_GT(r[1] - r[0], 10.0) << eval.output;
  EXPECT_GT(r[0], -60.0) << eval.output;
  // And meta-training made the adapted policy better: the mean over the last 10 iterations of
  // the workers' adapted return (minus train_loss) against the first 10.
  const auto table = pmlab::core::MetricsTable::Load(fs::path(Out("nav")) / "metrics.csv");
  const std::size_t loss = table.Column("train_loss");
  ASSERT_EQ(table.rows.size(), 150u);
  double first = 0, last = 0;
  for (int i = 0; i < 10; ++i) {
    first -= table.rows[static_cast<std::size_t>(i)][loss] / 10;
    last -= table.rows[static_cast<std::size_t>(140 + i)][loss] / 10;
  }
  EXPECT_GT(last - first, 5.0) << "adapted discounted return from " << first << " to " << last;
}

}  // namespace
