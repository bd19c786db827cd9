#include "core/opt/exact_number.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/opt/compressor.h"
#include "core/opt/rng.h"
#include "core/opt/step_schedule.h"

namespace pmlab::core {
namespace {

TEST(ExactNumberTest, EveryDoubleReadsBackBitForBit) {
  Rng rng(5);
  for (int i = 0; i < 200000; ++i) {
    // Random bit patterns cover subnormals, huge exponents and every mantissa.
    const std::uint64_t bits = rng.NextU64();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) continue;
    const auto back = ParseNumber(FormatNumber(v));
    ASSERT_TRUE(back) << FormatNumber(v);
    ASSERT_EQ(std::memcmp(&*back, &v, sizeof v), 0) << FormatNumber(v);
  }
  EXPECT_EQ(FormatNumber(0.1), "0.1");
  EXPECT_EQ(FormatNumber(0.123456789), "0.123456789");
  EXPECT_EQ(FormatNumber(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatNumber(-0.0), "-0");
}

TEST(ExactNumberTest, ParsingIsCorrectlyRoundedAndWhole) {
  EXPECT_EQ(*ParseNumber("0.123456789"), 0.123456789);
  EXPECT_EQ(*ParseNumber("+2.5"), 2.5);
  EXPECT_EQ(*ParseNumber("1e-3"), 1e-3);
  EXPECT_TRUE(std::isinf(*ParseNumber("inf")));
  for (const char* bad : {"", "abc", "1.5x", " 1", "1 ", "+-1", "0x", "1e999"}) EXPECT_FALSE(ParseNumber(bad)) << bad;
}

TEST(ExactNumberTest, OperatorNumbersMeanWhatTheySay) {
  // Operator specs are kept as typed; what must hold is that their numbers mean what they say.
  EXPECT_NE(MakeCompressor("topk:1.0", 1000)->Bits(), MakeCompressor("topk:1", 1000)->Bits());  // a fraction, not a count
  EXPECT_EQ(MakeCompressor("randk:0.30000000000000004", 10)->Bits(), MakeCompressor("randk:3", 10)->Bits());
  EXPECT_EQ(StepSchedule::Parse("step:7:0.333333333").Spec(), "step:7:0.333333333");
  EXPECT_TRUE(StepSchedule::Parse("cosine").DependsOnLength());
  EXPECT_FALSE(StepSchedule::Parse("step:7:0.5").DependsOnLength());
}

// Seeds: every whole number from 0 to 2^64 - 1, nothing that would wrap around to one.
TEST(ExactNumberTest, UnsignedWholeNumbersOnly) {
  EXPECT_EQ(ParseUnsigned("0"), 0u);
  EXPECT_EQ(ParseUnsigned("18446744073709551615"), UINT64_MAX);
  for (const char* text : {"-1", "-0", "18446744073709551616", "99999999999999999999999", "1e3", "0x10", "+1", " 1", "1 ", ""})
    EXPECT_FALSE(ParseUnsigned(text)) << text;
}

}  // namespace
}  // namespace pmlab::core
