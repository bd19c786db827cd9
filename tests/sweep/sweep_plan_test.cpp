// Sweep files and their grids: what is read, in which order runs come, how they are named, and
// the line every refusal names.
#include "sweep/sweep_plan.h"

#include <gtest/gtest.h>

namespace pmlab::sweep {
namespace {

const char* kFile = R"(# a comment
command = "train"
[base]
workers = 4
inner_lr = 0.5
nesterov = true
[axes]
compress = ["topk:0.02", "none"]
beta = [0.1, 1]
seed = [0, 1, 2]
[report]
loss_levels = [1.0, 0.5]
accuracy_levels = [0.8]
)";

TEST(SweepFileTest, ReadsOptionsInTheFilesOrderAsCommandLineText) {
  const SweepFile f = SweepFile::Parse(kFile, "x.toml");
  EXPECT_EQ(f.command, "train");
  ASSERT_EQ(f.base.size(), 3u);
  EXPECT_EQ(f.base[0].name, "workers");
  EXPECT_EQ(f.base[1].name, "inner-lr");  // a key with '_' names the flag with '-'
  EXPECT_EQ(f.base[1].values, std::vector<std::string>{"0.5"});
  EXPECT_EQ(f.base[2].values, std::vector<std::string>{"true"});
  EXPECT_EQ(f.base[1].line, 5);
  ASSERT_EQ(f.axes.size(), 3u);  // file order, not toml++'s sorted order
  EXPECT_EQ(f.axes[0].name, "compress");
  EXPECT_EQ(f.axes[1].name, "beta");
  EXPECT_EQ(f.axes[1].values, (std::vector<std::string>{"0.1", "1"}));
  EXPECT_EQ(f.axes[2].name, "seed");
  EXPECT_EQ(f.levels.train_loss, (std::vector<double>{1.0, 0.5}));
  EXPECT_EQ(f.levels.test_accuracy, std::vector<double>{0.8});
  EXPECT_TRUE(f.levels.test_loss.empty());
}

TEST(SweepFileTest, ExpandsTheGridLastAxisFastestWithNamesFromItsValues) {
  const std::vector<PlannedRun> runs = Expand(SweepFile::Parse(kFile, "x.toml"));
  ASSERT_EQ(runs.size(), 2u * 2u * 3u);
  EXPECT_EQ(runs[0].name, "compress-topk-0.02_beta-0.1_seed-0");
  EXPECT_EQ(runs[1].name, "compress-topk-0.02_beta-0.1_seed-1");
  EXPECT_EQ(runs[3].name, "compress-topk-0.02_beta-1_seed-0");
  EXPECT_EQ(runs[11].name, "compress-none_beta-1_seed-2");
  EXPECT_EQ(runs[0].args, (std::vector<std::string>{"train", "--workers=4", "--inner-lr=0.5", "--nesterov=true", "--compress=topk:0.02",
                                                     "--beta=0.1", "--seed=0"}));
  EXPECT_EQ(runs[5].setting, (std::vector<std::pair<std::string, std::string>>{{"compress", "topk:0.02"}, {"beta", "1"}, {"seed", "2"}}));
  EXPECT_EQ(SettingLabel(runs[5].setting, {"seed"}), "compress=topk:0.02, beta=1");
  EXPECT_EQ(SettingLabel({{"seed", "1"}}, {"seed"}), "all runs");
  // Every name is distinct.
  for (std::size_t i = 0; i < runs.size(); ++i)
    for (std::size_t j = i + 1; j < runs.size(); ++j) EXPECT_NE(runs[i].name, runs[j].name);
  // No axes: one run.
  const std::vector<PlannedRun> one = Expand(SweepFile::Parse("command = \"rl\"\n[base]\niters = 3\n", "y.toml"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].name, "run");
}

TEST(SweepFileTest, RefusesBadFilesNamingTheLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"command = \"train\"\n[axes]\nbeta = []\n", "bad.toml:3: axis 'beta' is empty"},
      {"command = \"train\"\n[axes]\nbeta = 0.1\n", "bad.toml:3: axis 'beta' must be an array"},
      {"command = \"train\"\n[axes]\nbeta = [0.1, [1]]\n", "bad.toml:3: axis 'beta': each value must be"},
      {"command = \"train\"\n[axes]\nbeta = [0.1, 0.1]\n", "bad.toml:3: axis 'beta' lists the value 0.1 twice"},
      {"command = \"train\"\n[base]\nlr = [1, 2]\n", "bad.toml:3: 'lr' must be a string, number or true/false"},
      {"command = \"train\"\n[base]\nbeta = 1\n[axes]\nbeta = [0.1]\n", "bad.toml:5: 'beta' is set twice"},
      {"command = \"train\"\n\n[base]\nthreads = 2\n", "bad.toml:4: 'threads' is set by pmlab sweep itself"},
      {"command = \"train\"\n[report]\nloss_levels = [\"low\"]\n", "bad.toml:3: 'loss_levels': each level must be a finite number"},
      {"command = \"train\"\n[report]\nlevels = [1]\n", "bad.toml:3: [report] has no key 'levels'"},
      {"command = \"train\"\nbeta = 0.1\n", "bad.toml:2: unknown key 'beta'"},
      {"command = 3\n", "bad.toml:1: 'command' must be a string"},
      {"[base]\niters = 3\n", "bad.toml:1: no command"},
      {"command = \"train\"\n[base\n", "bad.toml:2: not valid TOML"},
      {"command = \"train\"\n[axes]\ncompress = [\"topk:0.1\", \"topk_0.1\"]\n", "bad.toml:3: axis 'compress': the values topk:0.1 and topk_0.1"},
  };
  for (const auto& [text, message] : cases) {
    try {
      Expand(SweepFile::Parse(text, "bad.toml"));
      ADD_FAILURE() << "accepted:\n" << text;
    } catch (const SweepFileError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(message, 0), 0u) << e.what() << "\nexpected: " << message;
    }
  }
  EXPECT_THROW(SweepFile::Load("/nonexistent/sweep.toml"), SweepFileError);
}

}  // namespace
}  // namespace pmlab::sweep
