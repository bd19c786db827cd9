// config.toml as pmlab writes and reads it: every value reads back to its own text, and the
// reader refuses what is not one [COMMAND] table of single values.
#include <gtest/gtest.h>

#include <limits>
#include <sstream>

#include "core/opt/exact_number.h"
#include "runners/config_toml.h"
#include "runners/run_flags.h"

namespace pmlab::runners {
namespace {

struct Values {
  std::string text = "plain";
  double number = 0.1;
  std::uint64_t seed = 1;
  bool flag = false;
  int count = 3;
};

CLI::App* AddValues(CLI::App& app, Values& v) {
  CLI::App* cmd = app.add_subcommand("probe", "a test command");
  cmd->configurable();
  cmd->add_option("--text", v.text, "text");
  AddNumber(cmd, "--number", v.number, "a number");
  AddSeed(cmd, "--seed", v.seed, "a seed");
  AddSwitch(cmd, "--flag", v.flag, "a switch");
  cmd->add_option("--count", v.count, "a count");
  return cmd;
}

Values RoundTrip(const Values& v) {
  const std::string toml = ConfigToml<Values>(v, &AddValues, "probe");
  return ParseConfigToml<Values>(toml, &AddValues, "probe");
}

TEST(ConfigTomlTest, EveryValueReadsBackToItself) {
  for (const std::string text : {"", "a\"b", "back\\slash", "line\nbreak", "tab\there", "'single'", "[not, an, array]", "# not a comment",
                                 "0.1", "true", "topk:0.02", "LunarLander-v3(continuous=true,gravity=-8)", "\x01\x7f", "ünïcode"}) {
    Values v;
    v.text = text;
    EXPECT_EQ(RoundTrip(v).text, text) << text;
  }
  for (const double x : {0.1, 1.0 / 3.0, 1e-300, 5e-324, 1e300, -0.0, std::numeric_limits<double>::infinity(),
                         -std::numeric_limits<double>::infinity(), 123456789.0}) {
    Values v;
    v.number = x;
    EXPECT_EQ(core::FormatNumber(RoundTrip(v).number), core::FormatNumber(x)) << x;
  }
  for (const std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{1} << 63, std::numeric_limits<std::uint64_t>::max()}) {
    Values v;
    v.seed = seed;
    EXPECT_EQ(RoundTrip(v).seed, seed);
  }
  Values v;
  v.flag = true;
  v.count = -7;
  EXPECT_TRUE(RoundTrip(v).flag);
  EXPECT_EQ(RoundTrip(v).count, -7);
}

TEST(ConfigTomlTest, RefusesWhatIsNotOneTableOfSingleValues) {
  const auto refused = [](const std::string& toml, const std::string& part) {
    try {
      (void)ParseConfigToml<Values>(toml, &AddValues, "probe");
      ADD_FAILURE() << "accepted: " << toml;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  refused("[probe]\ncount = [1, 2]\n", "not an array");
  refused("[probe]\ncount = 1\n[probe]\ncount = 2\n", "not valid TOML");
  refused("[other]\ncount = 1\n", "pmlab other");
  refused("count = 1\n", "outside a section");
  refused("[probe]\ncount = 1\n[other]\n", "[other]");
  refused("[probe]\nunknown = 1\n", "unknown");
  refused("not toml at all [[[", "not valid TOML");
  EXPECT_EQ(ConfigSection("# a comment\n[train]\nlr = 1\n", "f"), "train");
  EXPECT_THROW(ConfigSection("[a]\n[b]\n", "f"), std::runtime_error);
}

}  // namespace
}  // namespace pmlab::runners
