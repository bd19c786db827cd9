// Messages as they cross between processes: each compressor's message reads back to the same
// values, takes the bits the `bits` column counts plus a header of a few bytes, and bytes that
// do not fit are refused.
#include "core/opt/message.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/opt/compressor.h"

#include "random_vector.h"

namespace pmlab::core {
namespace {

class MessageTest : public ::testing::TestWithParam<const char*> {};

TEST_P(MessageTest, ReadsBackToTheSameValuesInTheBitsItCounts) {
  const Index d = 1009;
  const auto c = MakeCompressor(GetParam(), d);
  Vector g = RandomVector(d, 7);
  g[3] = 0.0f;
  g[4] = -0.0f;
  Rng rng(11);
  Message sent;
  c->Encode(g, sent, rng);
  std::string bytes;
  ByteWriter out(bytes);
  sent.Write(out, d);
  // The payload is exactly the counted bits, rounded up to a byte; the header is the form and a
  // count or a length.
  const double payload = std::ceil(c->Bits() / 8);
  EXPECT_GE(static_cast<double>(bytes.size()), payload);
  EXPECT_LE(static_cast<double>(bytes.size()), payload + 9);

  Message received;
  ByteReader in(bytes);
  received.Read(in, d);
  EXPECT_TRUE(in.empty());
  Vector a(d), b(d);
  c->Expand(sent, a);
  c->Expand(received, b);
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(d)));
  // Compress is Encode then Expand, with the same stream.
  Rng again(11);
  Vector direct(d);
  c->Compress(g, direct, again);
  EXPECT_EQ(direct, a);
}

TEST_P(MessageTest, RefusesBytesThatDoNotFit) {
  const Index d = 300;
  const auto c = MakeCompressor(GetParam(), d);
  Rng rng(1);
  Message sent;
  c->Encode(RandomVector(d, 2), sent, rng);
  std::string bytes;
  ByteWriter out(bytes);
  sent.Write(out, d);
  Message received;
  ByteReader cut(std::string_view(bytes).substr(0, bytes.size() - 1));
  EXPECT_THROW(received.Read(cut, d), std::runtime_error);
  std::string bad = bytes;
  bad[0] = 9;  // no such form
  ByteReader wrong(bad);
  EXPECT_THROW(received.Read(wrong, d), std::runtime_error);
}

INSTANTIATE_TEST_SUITE_P(Compressors, MessageTest,
                         ::testing::Values("none", "topk:0.05", "topk:1", "randk:0.1", "randk-biased:40", "sign", "qsgd:1",
                                           "qsgd:4", "qsgd:255"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

TEST(MessageTest, SparseIndicesOutOfOrderAreRefused) {
  Message m;
  m.form = Message::Form::kSparse;
  m.index = {5, 3};
  m.value = {1.0f, 2.0f};
  std::string bytes;
  ByteWriter out(bytes);
  m.Write(out, 10);
  ByteReader in(bytes);
  Message back;
  EXPECT_THROW(back.Read(in, 10), std::runtime_error);
}

TEST(BitPackerTest, PacksAcrossWordBoundaries) {
  std::vector<std::uint64_t> words;
  std::int64_t bits = 0;
  {
    BitPacker pack(words, bits);
    for (std::uint64_t v = 0; v < 100; ++v) pack.Put(v * 12345 % (1u << 21), 21);
    pack.Put(~std::uint64_t{0}, 64);
  }
  EXPECT_EQ(bits, 2164);
  EXPECT_EQ(words.size(), 34u);
  EXPECT_EQ(CodeBits(words, 2100, 64), ~std::uint64_t{0});
  for (std::uint64_t v = 0; v < 100; ++v) EXPECT_EQ(CodeBits(words, static_cast<std::int64_t>(v) * 21, 21), v * 12345 % (1u << 21));
}

}  // namespace
}  // namespace pmlab::core
