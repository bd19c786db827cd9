#include "core/registry/registry.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace pmlab {
namespace {

// A registry of its own, so the test sees exactly what it registered.
using Numbers = Registry<int(int)>;
Numbers& TestNumbers() {
  static Numbers registry("test-number", "Test numbers", "--number");
  return registry;
}

PMLAB_REGISTER(TestNumbers(), "scaled", "x times a factor", [](Spec& spec) {
  double factor = 2;
  spec.Number("factor", &factor, "the factor");
  return [factor](int x) { return static_cast<int>(factor * x); };
});
PMLAB_REGISTER(TestNumbers(), "offset", "x plus a whole number, optionally negated", [](Spec& spec) {
  std::int64_t by = -1;  // below the range: required
  bool negate = false;
  spec.Integer("by", &by, 0, 100, "what is added");
  spec.Flag("negate", &negate, "negate the sum");
  return [by, negate](int x) { return (negate ? -1 : 1) * (x + static_cast<int>(by)); };
});
PMLAB_REGISTER(TestNumbers(), "bare", "x itself", [](Spec&) { return [](int x) { return x; }; });

std::string Error(const std::string& spec) {
  try {
    TestNumbers().Bind(spec);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(ComponentRegistryTest, SpecsBindTheirParameters) {
  EXPECT_EQ(TestNumbers().Make("scaled", 3), 6);
  EXPECT_EQ(TestNumbers().Make("scaled:5", 3), 15);  // the only parameter
  EXPECT_EQ(TestNumbers().Make("scaled(factor=4)", 3), 12);
  EXPECT_EQ(TestNumbers().Make("offset(by=7, negate=true)", 3), -10);
  EXPECT_EQ(TestNumbers().Make("bare", 3), 3);
}

TEST(ComponentRegistryTest, BadSpecsAreRefusedNamingWhatIsAllowed) {
  EXPECT_EQ(Error("square"), "unknown test-number 'square' (registered: bare, offset, scaled)");
  EXPECT_EQ(Error("scaled(fact=2)"), "scaled has no parameter 'fact' (allowed: factor)");
  EXPECT_EQ(Error("scaled:x"), "scaled: parameter factor (the factor) needs a number, not 'x'");
  EXPECT_EQ(Error("bare:1"), "bare takes no parameter");
  EXPECT_NE(Error("offset:1").find("has 2 parameters; write them offset(key=value,...)"), std::string::npos);
  EXPECT_NE(Error("offset").find("parameter by (what is added) needs a value"), std::string::npos);
  EXPECT_NE(Error("offset(by=101)").find("from 0 to 100"), std::string::npos);
  EXPECT_NE(Error("offset(by=2.5)").find("whole number"), std::string::npos);
  EXPECT_NE(Error("offset(by=1,negate=maybe)").find("true or false"), std::string::npos);
  EXPECT_THROW(TestNumbers().Add("bare", "again", [](Spec&) { return [](int x) { return x; }; }), std::logic_error);
}

TEST(ComponentRegistryTest, ListsComponentsByNameWithTheParametersTheirBindersRead) {
  const auto list = TestNumbers().List();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].name, "bare");
  EXPECT_TRUE(list[0].parameters.empty());
  EXPECT_EQ(list[1].name, "offset");
  ASSERT_EQ(list[1].parameters.size(), 2u);
  EXPECT_EQ(list[1].parameters[0].default_value, "");  // required
  EXPECT_EQ(list[1].parameters[1].default_value, "false");
  EXPECT_EQ(list[2].parameters[0].name, "factor");
  EXPECT_EQ(list[2].parameters[0].default_value, "2");
  EXPECT_EQ(RegistryOf("test-number"), &TestNumbers());
  EXPECT_EQ(RegistryOf("no-such-kind"), nullptr);
}

TEST(ComponentRegistryTest, RecordsWhatARunBuildsOnItsThreadOnly) {
  TestNumbers().Bind("bare");  // before any recording: not kept
  std::vector<ComponentUse> uses;
  {
    const RecordUses record(uses);
    TestNumbers().Bind("scaled:3");
    TestNumbers().Bind("scaled");
    TestNumbers().Bind("offset(by=1)");
    EXPECT_EQ(RecordedUses().size(), 2u);
  }
  TestNumbers().Bind("bare");
  EXPECT_EQ(uses, (std::vector<ComponentUse>{{"test-number", "scaled"}, {"test-number", "offset"}}));
  EXPECT_TRUE(RecordedUses().empty());
}

TEST(ComponentRegistryTest, RequireRegisteredNamesTheMissingComponent) {
  EXPECT_NO_THROW(RequireRegistered({{"test-number", "scaled"}}, "checkpoint 'c'"));
  try {
    RequireRegistered({{"test-number", "scaled"}, {"test-number", "cubed"}}, "checkpoint 'c'");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "checkpoint 'c' uses the test-number 'cubed', which this program does not register (its test-numbers: "
                                     "bare, offset, scaled); continue it with the program that registered it");
  }
  EXPECT_THROW(RequireRegistered({{"widget", "w"}}, "checkpoint 'c'"), std::runtime_error);
}

}  // namespace
}  // namespace pmlab
