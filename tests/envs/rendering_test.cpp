// Every registered environment draws itself, and the images reach the disk as valid files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "envs/image_file.h"
#include "envs/registry.h"

namespace pmlab::envs {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::uint32_t BigEndian(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

fs::path Temporary(const std::string& name) { return fs::temp_directory_path() / ("pmlab-render-" + std::to_string(getpid()) + "-" + name); }

TEST(RenderingTest, EveryEnvironmentWritesAPngOfItsDeclaredSize) {
  for (const EnvironmentInfo& info : RegisteredEnvironments()) {
    const auto env = MakeEnvironment(info.name);
    EXPECT_THROW(env->Render(), std::logic_error) << info.name;  // nothing to draw before Reset
    env->Reset(1);
    const Canvas frame = env->Render();
    EXPECT_EQ(frame.width(), env->RenderSize().x()) << info.name;
    EXPECT_EQ(frame.height(), env->RenderSize().y()) << info.name;
    std::set<std::uint32_t> colors;
    for (std::size_t i = 0; i < frame.pixels().size(); i += 3)
      colors.insert((frame.pixels()[i] << 16) | (frame.pixels()[i + 1] << 8) | frame.pixels()[i + 2]);
    EXPECT_GE(colors.size(), 3u) << info.name << ": the picture shows nothing";

    const fs::path png = Temporary(info.name + ".png");
    WritePng(png, frame);
    const std::string bytes = Read(png);
    ASSERT_GT(bytes.size(), 33u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << info.name;
    EXPECT_EQ(bytes.substr(12, 4), "IHDR");
    EXPECT_EQ(BigEndian(bytes, 16), static_cast<std::uint32_t>(frame.width()));
    EXPECT_EQ(BigEndian(bytes, 20), static_cast<std::uint32_t>(frame.height()));
    EXPECT_EQ(bytes.substr(bytes.size() - 8, 4), "IEND");
    fs::remove(png);
  }
}

TEST(RenderingTest, TheLanderMovesInThePictureAndAnEpisodeBecomesAGif) {
  const auto env = MakeEnvironment("LunarLander-v3");
  env->Reset(2);
  std::vector<Canvas> frames{env->Render()};
  for (int k = 0; k < 20 && !env->episode_over(); ++k) {
    env->Step(Eigen::VectorXd::Constant(1, 0));
    frames.push_back(env->Render());
  }
  EXPECT_NE(frames.front().pixels(), frames.back().pixels());
  const fs::path gif = Temporary("episode.gif");
  WriteGif(gif, frames, 2);
  const std::string bytes = Read(gif);
  ASSERT_GT(bytes.size(), 13u);
  EXPECT_EQ(bytes.substr(0, 6), "GIF89a");
  EXPECT_EQ(static_cast<unsigned char>(bytes[6]) | (static_cast<unsigned char>(bytes[7]) << 8), 600);
  EXPECT_EQ(static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8), 400);
  EXPECT_EQ(bytes.back(), '\x3b');  // trailer
  EXPECT_NE(bytes.find("NETSCAPE2.0"), std::string::npos);
  fs::remove(gif);
  EXPECT_THROW(WriteGif(gif, {}), std::invalid_argument);
  EXPECT_THROW(WriteGif(gif, {Canvas(4, 4), Canvas(5, 4)}), std::invalid_argument);
  EXPECT_THROW(WritePng(Temporary("no-such-folder") / "x.png", frames[0]), std::runtime_error);
}

TEST(CanvasTest, PolygonsFillTheirInsideOnly) {
  Canvas c(10, 10, {0, 0, 0});
  const Eigen::Vector2d square[4] = {{2, 2}, {6, 2}, {6, 6}, {2, 6}};
  c.FillPolygon(square, {255, 0, 0});
  int red = 0;
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 10; ++x) red += c.At(x, y) == Rgb{255, 0, 0};
  EXPECT_EQ(red, 16);                               // 4 x 4 pixel centres inside
  EXPECT_EQ(c.At(2, 9 - 2), (Rgb{255, 0, 0}));      // y up: row 2 from the bottom
  EXPECT_EQ(c.At(6, 9 - 2), (Rgb{0, 0, 0}));
  EXPECT_THROW(Canvas(0, 10), std::invalid_argument);
}

}  // namespace
}  // namespace pmlab::envs
