// `pmlab meta` as a user meets it: determinism across thread counts, resume, meta-testing with
// `pmlab eval`, the bias columns, few-shot Fashion-MNIST, and clear errors for bad options.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "core/run/metrics_table.h"
#include "runners/pmlab_process.h"

namespace {

namespace fs = std::filesystem;

using pmlab::testing::Hash;
using pmlab::testing::Metrics;
using pmlab::testing::Outcome;
using pmlab::testing::Pmlab;
using pmlab::testing::ReadFile;

// Exact MAML with the worker-side machinery in play: Top-K, error feedback, bias measurement.
const std::string kSine =
    "meta --task sine --meta-batch 10 --workers 5 --lr 0.03 --compress topk:0.3 --error-feedback ef "
    "--eval-every 10 --eval-tasks 20 --measure-bias-every 10 --bias-reference-tasks 20 --bias-reference-points 100 --quiet ";

class MetaCliTest : public pmlab::testing::FolderTest {
 protected:
  MetaCliTest() : FolderTest("meta") {}
  std::string Run(const std::string& name) const { return Out(name); }
};

TEST_F(MetaCliTest, BitIdenticalOnOneTwoAndFourThreads) {
  for (const char* algo : {"maml", "metasgd"}) {
    std::string reference, hash;
    for (int threads : {1, 2, 4}) {
      const std::string run = Run(std::string(algo) + std::to_string(threads));
      const Outcome o = Pmlab(kSine + "--algo " + algo + " --iters 30 --threads " + std::to_string(threads) + " --out " + run);
      ASSERT_EQ(o.code, 0) << o.output;
      if (reference.empty()) {
        reference = Metrics(run);
        hash = Hash(run);
        continue;
      }
      EXPECT_EQ(Metrics(run), reference) << algo << " " << threads;
      EXPECT_EQ(Hash(run), hash) << algo << " " << threads;
    }
    // The bias columns are filled at multiples of 10, and the figures are sane.
    const auto table = pmlab::core::MetricsTable::Load(fs::path(Run(std::string(algo) + "1")) / "metrics.csv");
    const std::size_t bias = table.Column("bias"), error = table.Column("bias_mc_error");
    EXPECT_EQ(table.columns.back(), "wall_seconds");
    ASSERT_EQ(table.rows.size(), 30u);
    EXPECT_TRUE(std::isnan(table.rows[8][bias]));
    EXPECT_GT(table.rows[9][bias], 0.0);
    EXPECT_GT(table.rows[9][error], 0.0);
    EXPECT_LT(table.rows[9][bias], 10.0);
  }
}

TEST_F(MetaCliTest, ResumeContinuesBitForBitAndEvalMetaTests) {
  ASSERT_EQ(Pmlab(kSine + "--iters 30 --checkpoint-every 7 --threads 2 --out " + Run("whole")).code, 0);
  ASSERT_EQ(Pmlab(kSine + "--iters 15 --checkpoint-every 7 --threads 1 --out " + Run("half")).code, 0);
  const Outcome o = Pmlab("resume " + Run("half") + " --iters 30");
  ASSERT_EQ(o.code, 0) << o.output;
  EXPECT_EQ(Metrics(Run("half")), Metrics(Run("whole")));
  EXPECT_EQ(Hash(Run("half")), Hash(Run("whole")));
  EXPECT_NE(ReadFile(fs::path(Run("half")) / "config.toml").find("iters=30"), std::string::npos);

  const Outcome text = Pmlab("eval " + Run("whole") + " --tasks 50 --steps 3");
  ASSERT_EQ(text.code, 0) << text.output;
  EXPECT_NE(text.output.find("50 held-out tasks"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("\n    3  "), std::string::npos) << text.output;
  const Outcome json = Pmlab("eval " + Run("whole") + " --tasks 50 --steps 3 --json");
  ASSERT_EQ(json.code, 0) << json.output;
  EXPECT_NE(json.output.find("\"loss_ci95\""), std::string::npos) << json.output;
  EXPECT_NE(json.output.find("\"iteration\": 30"), std::string::npos) << json.output;
  // Meta-testing the same checkpoint twice gives the same figures; the run is untouched.
  EXPECT_EQ(Pmlab("eval " + Run("whole") + " --tasks 50 --steps 3 --json").output, json.output);
  EXPECT_EQ(Hash(Run("whole")), Hash(Run("half")));
}

TEST_F(MetaCliTest, ConfigRerunsWithAnotherAlgorithm) {
  ASSERT_EQ(Pmlab(kSine + "--iters 5 --out " + Run("maml")).code, 0);
  const Outcome o = Pmlab("meta --config " + Run("maml") + "/config.toml --algo fomaml --out " + Run("fomaml"));
  ASSERT_EQ(o.code, 0) << o.output;
  const std::string toml = ReadFile(fs::path(Run("fomaml")) / "config.toml");
  EXPECT_NE(toml.find("algo=\"fomaml\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("meta-batch=10"), std::string::npos) << toml;
  EXPECT_NE(Hash(Run("fomaml")), Hash(Run("maml")));
}

TEST_F(MetaCliTest, FewShotFashionMnistWithHeldOutClasses) {
  const Outcome o = Pmlab(
      "meta --task fmnist-fewshot --ways 3 --shots 2 --query 4 --test-classes 7,8,9 --hidden 32 --meta-batch 4 --workers 2 "
      "--inner-lr 0.1 --lr 0.1 --iters 20 --eval-every 10 --eval-tasks 30 --quiet --out " + Run("fewshot"));
  ASSERT_EQ(o.code, 0) << o.output;
  const auto table = pmlab::core::MetricsTable::Load(fs::path(Run("fewshot")) / "metrics.csv");
  const double accuracy = table.rows[19][table.Column("test_accuracy")];
  EXPECT_GT(accuracy, 0.0);
  EXPECT_LE(accuracy, 1.0);
  const Outcome eval = Pmlab("eval " + Run("fewshot") + " --tasks 30 --steps 2");
  ASSERT_EQ(eval.code, 0) << eval.output;
  EXPECT_NE(eval.output.find("accuracy"), std::string::npos) << eval.output;
}

TEST_F(MetaCliTest, BadOptionsGiveUsageErrorsNamingTheFlag) {
  struct Case {
    std::string args;
    std::string message;
  };
  const Case cases[] = {
      {"--shots 0", "--shots"},
      {"--inner-steps -1", "--inner-steps"},
      {"--task sinus", "--task"},
      {"--algo protonet", "--algo"},
      {"--meta-batch 25 --workers 4", "do not split evenly over 4 workers"},
      {"--algo fomaml --hessian-batch 5", "only maml and metasgd"},
      {"--algo reptile --inner-steps 0", "reptile needs at least 1"},
      {"--test-classes 7,8", "only fmnist-fewshot"},
      {"--task fmnist-fewshot --ways 4 --test-classes 7,8,9", "meta-test classes: --ways: 4 classes per task, but only 3"},
      {"--task fmnist-fewshot --test-classes 7,x", "--test-classes"},
      {"--task fmnist-fewshot --test-classes 12", "class 12 does not occur"},
      {"--hidden 40,,40", "--hidden"},
      {"--inner-lr 0", "--inner-lr"},
  };
  for (const auto& c : cases) {
    const Outcome o = Pmlab("meta --iters 2 --quiet " + c.args + " --out " + Run("bad"));
    EXPECT_EQ(o.code, 2) << c.args << "\n" << o.output;
    EXPECT_NE(o.output.find(c.message), std::string::npos) << c.args << "\n" << o.output;
    EXPECT_FALSE(fs::exists(Run("bad"))) << c.args;
  }
}

}  // namespace
