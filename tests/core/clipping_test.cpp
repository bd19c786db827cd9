#include "core/opt/clipping.h"

#include "core/opt/worker_transform.h"

#include <gtest/gtest.h>

namespace pmlab::core {
namespace {

Vector Clipped(const std::string& spec, const Vector& g) {
  Vector work;
  return MakeClipper(spec, g.size())->Clip(g, work);
}

TEST(ClippingTest, NormClipReturnsNormTauAndKeepsDirection) {
  Vector g(3);
  g << 3, 4, 0;  // norm 5
  const Vector c = Clipped("norm:2", g);
  EXPECT_NEAR(c.norm(), 2.0f, 1e-6);
  EXPECT_NEAR((c - g * 0.4f).norm(), 0.0f, 1e-6);
  EXPECT_EQ(Clipped("norm(tau=2)", g), c);
}

TEST(ClippingTest, ShortVectorsAreHandedOnWithoutACopy) {
  Vector g(3);
  g << 0.3f, -0.4f, 0.0f;
  Vector work;
  for (const char* spec : {"none", "norm:1"}) EXPECT_EQ(&MakeClipper(spec, 3)->Clip(g, work), &g) << spec;
  EXPECT_EQ(Clipped("value:1", g), g);
}

TEST(ClippingTest, ValueClipBoundsEachCoordinate) {
  Vector g(4);
  g << 5, -5, 0.5f, -0.5f;
  Vector expected(4);
  expected << 1, -1, 0.5f, -0.5f;
  EXPECT_EQ(Clipped("value:1", g), expected);
}

TEST(ClippingTest, ThresholdIsReadExactly) {
  Vector g(2);
  g << 3, 4;
  const double tau = 0.123456789012345678;
  EXPECT_EQ(Clipped("norm:0.123456789012345678", g), Vector(g * static_cast<float>(tau / 5.0)));
}

TEST(ClippingTest, RejectsNonPositiveOrMalformedTauNamingIt) {
  for (const char* spec : {"norm:0", "norm:-1", "value:", "norm", "norm:x", "cap:1", "norm:inf", "norm:nan", "none:1", "norm(tau=1,k=2)"})
    EXPECT_THROW(MakeClipper(spec, 3), std::invalid_argument) << spec;
  try {
    MakeClipper("norm", 3);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("TAU"), std::string::npos) << e.what();
  }
}

TEST(ClippingTest, ListsItsClippersWithTheirThreshold) {
  const ComponentInfo* norm = Clippers().Find("norm");
  ASSERT_NE(norm, nullptr);
  ASSERT_EQ(norm->parameters.size(), 1u);
  EXPECT_EQ(norm->parameters[0].name, "tau");
  EXPECT_EQ(norm->parameters[0].default_value, "");  // required
  EXPECT_TRUE(Clippers().Has("value"));
  EXPECT_TRUE(Clippers().Has("none"));
}

// A clipper registered outside pmlab's list, as a researcher's program would.
class Halve final : public Clipper {
 public:
  const Vector& Clip(const Vector& g, Vector& work) const override {
    work = g * 0.5f;
    return work;
  }
};
PMLAB_REGISTER(Clippers(), "test-halve", "halves the gradient", [](Spec&) {
  return [](Index) -> std::unique_ptr<Clipper> { return std::make_unique<Halve>(); };
});

TEST(ClippingTest, TheWorkerTransformUsesARegisteredClipper) {
  WorkerTransform t({"test-halve", "none", "none"}, 3);
  WorkerMemory memory;
  t.InitMemory(memory);
  Vector g(3), work;
  g << 2, -4, 6;
  Message out;
  t.Apply(g, memory, out, work);
  EXPECT_EQ(out.dense, Vector(g * 0.5f));
}

}  // namespace
}  // namespace pmlab::core
