#include "core/opt/clipping.h"

#include <gtest/gtest.h>

namespace pmlab::core {
namespace {

TEST(ClippingTest, NormClipReturnsNormTauAndKeepsDirection) {
  Vector g(3);
  g << 3, 4, 0;  // norm 5
  Vector c = g;
  Clipping::Parse("norm:2").Apply(c);
  EXPECT_NEAR(c.norm(), 2.0f, 1e-6);
  EXPECT_NEAR((c - g * 0.4f).norm(), 0.0f, 1e-6);
}

TEST(ClippingTest, ShortVectorsAreUnchanged) {
  Vector g(3);
  g << 0.3f, -0.4f, 0.0f;
  Vector c = g;
  Clipping::Parse("norm:1").Apply(c);
  EXPECT_EQ(c, g);
  Clipping::Parse("value:1").Apply(c);
  EXPECT_EQ(c, g);
}

TEST(ClippingTest, ValueClipBoundsEachCoordinate) {
  Vector g(4);
  g << 5, -5, 0.5f, -0.5f;
  Clipping::Parse("value:1").Apply(g);
  Vector expected(4);
  expected << 1, -1, 0.5f, -0.5f;
  EXPECT_EQ(g, expected);
}

TEST(ClippingTest, SpecRoundTrips) {
  EXPECT_EQ(Clipping::Parse("norm:2.5").Spec(), "norm:2.5");
  EXPECT_EQ(Clipping::Parse("none").Spec(), "none");
}

TEST(ClippingTest, RejectsNonPositiveOrMalformedTau) {
  for (const char* spec : {"norm:0", "norm:-1", "value:", "norm", "norm:x", "cap:1", "norm:inf", "norm:nan"})
    EXPECT_THROW(Clipping::Parse(spec), std::invalid_argument) << spec;
}

}  // namespace
}  // namespace pmlab::core
