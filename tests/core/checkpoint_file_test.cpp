#include "core/io/checkpoint_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include "core/run/run_checkpoint.h"

namespace pmlab::core {
namespace {

namespace fs = std::filesystem;

class CheckpointFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pmlab-ckpt-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ck_.config_toml = "[train]\nworkers=2\n";
    ck_.state.iteration = 7;
    ck_.state.x = Vector::LinSpaced(50, -1, 1);
    ck_.state.v = Vector::Constant(50, 0.25f);
    ck_.workers.resize(2);
    ck_.workers[0].rng = Rng(3);
    ck_.workers[1].rng = Rng(4);
    ck_.workers[1].feedback = Vector::Ones(50);
    ck_.first_below = {3, 0, 0, 0, 0, 0};
    ck_.data = {60000, 784, 10, 12345};
    ck_.kind = 1;
    ck_.problem_state = {3, std::string("running\0mean", 12)};
    ck_.components = {{"problem", "quadratic"}, {"compressor", "topk"}};
    core::SaveRunCheckpoint(Path(), ck_);
    std::ifstream in(Path(), std::ios::binary);
    bytes_.assign(std::istreambuf_iterator<char>(in), {});
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path Path(const std::string& name = "ckpt.pmlab") const { return dir_ / name; }
  fs::path Write(const std::string& contents, const std::string& name = "bad.pmlab") const {
    std::ofstream(Path(name), std::ios::binary | std::ios::trunc) << contents;
    return Path(name);
  }
  // The error message of loading `path`, or "" if it loaded.
  static std::string LoadError(const fs::path& path) {
    try {
      core::LoadRunCheckpoint(path);
      return "";
    } catch (const CheckpointError& e) {
      return e.what();
    }
  }

  fs::path dir_;
  core::RunCheckpoint ck_;
  std::string bytes_;
};

TEST_F(CheckpointFileTest, RoundTripsEveryField) {
  const core::RunCheckpoint back = core::LoadRunCheckpoint(Path());
  EXPECT_EQ(back.config_toml, ck_.config_toml);
  EXPECT_EQ(back.state.iteration, 7);
  EXPECT_EQ(back.state.x, ck_.state.x);
  EXPECT_EQ(back.state.v, ck_.state.v);
  ASSERT_EQ(back.workers.size(), 2u);
  EXPECT_EQ(back.workers[0].rng, ck_.workers[0].rng);
  EXPECT_EQ(back.workers[1].feedback, ck_.workers[1].feedback);
  EXPECT_EQ(back.workers[0].feedback.size(), 0);
  EXPECT_EQ(back.first_below, ck_.first_below);
  EXPECT_EQ(back.data, ck_.data);
  EXPECT_EQ(back.problem_state, ck_.problem_state);
  EXPECT_EQ(back.components, ck_.components);
  EXPECT_EQ(back.kind, 1u);
  EXPECT_EQ(back.format, kCheckpointFormat);
  const auto status = CheckpointFile::Check(Path());
  EXPECT_TRUE(status.payload_intact);
  EXPECT_EQ(status.header.kind, 1u);
  EXPECT_EQ(status.file_bytes, bytes_.size());
}

TEST_F(CheckpointFileTest, TruncatedFilesAreRefusedAtEveryLength) {
  for (std::size_t length = 0; length < bytes_.size(); ++length) {
    const std::string error = LoadError(Write(bytes_.substr(0, length)));
    EXPECT_NE(error.find("truncated"), std::string::npos) << length << ": " << error;
    EXPECT_NE(error.find("bad.pmlab"), std::string::npos) << error;
  }
  EXPECT_NE(LoadError(Write(bytes_ + "x")).find("unexpected bytes"), std::string::npos);
}

TEST_F(CheckpointFileTest, EveryFlippedHeaderBitIsDetected) {
  for (std::size_t bit = 0; bit < 8 * kCheckpointHeaderBytes; ++bit) {
    std::string damaged = bytes_;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(LoadError(Write(damaged)).empty()) << "bit " << bit;
  }
}

TEST_F(CheckpointFileTest, FlippedPayloadBitsAreDetected) {
  for (std::size_t byte = kCheckpointHeaderBytes; byte < bytes_.size(); byte += 7) {
    std::string damaged = bytes_;
    damaged[byte] = static_cast<char>(damaged[byte] ^ 0x10);
    EXPECT_NE(LoadError(Write(damaged)).find("checksum mismatch"), std::string::npos) << "byte " << byte;
  }
}

TEST_F(CheckpointFileTest, ForeignNewerAndMisplacedFilesAreNamed) {
  EXPECT_NE(LoadError(Write("this is not a checkpoint at all, just text")).find("not a pmlab checkpoint"), std::string::npos);
  EXPECT_NE(LoadError(dir_).find("is a folder"), std::string::npos);
  EXPECT_NE(LoadError(Path("missing.pmlab")).find("cannot be opened"), std::string::npos);

  // A newer container format with a consistent header.
  CheckpointHeader header = CheckpointFile::Check(Path()).header;
  header.format = kCheckpointFormat + 1;
  const auto encoded = EncodeCheckpointHeader(header);
  const std::string newer = std::string(encoded.begin(), encoded.end()) + bytes_.substr(kCheckpointHeaderBytes);
  EXPECT_NE(LoadError(Write(newer)).find("newer pmlab"), std::string::npos);

  // Run kind 0 is never registered: a header naming it is damaged.
  header.format = kCheckpointFormat;
  header.kind = 0;
  const auto kindless = EncodeCheckpointHeader(header);
  EXPECT_NE(LoadError(Write(std::string(kindless.begin(), kindless.end()) + bytes_.substr(kCheckpointHeaderBytes))).find("damaged header"),
            std::string::npos);
}

// The reader takes the file's bytes once and parses the bytes it verified: a pipe, which can be
// read only once, loads like a file (a reader that opened the file twice would hang or fail).
// A pipe or a device has no size to check against the header (and /dev/zero never ends): only
// regular files are read, and the refusal comes at once, without waiting for a writer.
TEST_F(CheckpointFileTest, RefusesWhatIsNotARegularFile) {
  const fs::path fifo = Path("pipe.pmlab");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const fs::path& path : {fifo, fs::path("/dev/zero")}) {
    try {
      (void)core::LoadRunCheckpoint(path);
      ADD_FAILURE() << path << " was read";
    } catch (const CheckpointError& e) {
      EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
  }
}

TEST_F(CheckpointFileTest, ReadsTheFileOnceAndParsesWhatItVerified) {
  // Replacing the file after it was opened does not change what is parsed.
  CheckpointFile opened = CheckpointFile::Open(Path());
  core::RunCheckpoint other = ck_;
  other.state.iteration = 99;
  core::SaveRunCheckpoint(Path(), other);
  core::RunCheckpoint parsed;
  PayloadBounds bounds(opened.payload(), opened.end());
  CheckpointInputArchive ar(opened.payload());
  ar(parsed);
  EXPECT_EQ(parsed.state.iteration, 7);
}

// Checkpoints of pmlab 0.1 (container format 1, no problem state) still load.
TEST_F(CheckpointFileTest, FormatOneCheckpointsStillLoad) {
  const fs::path old = fs::path(PMLAB_TEST_DATA) / "format1-run" / "checkpoints" / "ckpt-000003.pmlab";
  const core::RunCheckpoint back = core::LoadRunCheckpoint(old);
  EXPECT_EQ(back.format, 1u);
  EXPECT_EQ(back.kind, 1u);
  EXPECT_EQ(back.state.iteration, 3);
  EXPECT_EQ(back.state.x.size(), 6);
  EXPECT_EQ(back.workers.size(), 2u);
  EXPECT_EQ(back.workers[1].feedback.size(), 6);
  EXPECT_TRUE(back.problem_state.bytes.empty());
  EXPECT_TRUE(back.components.empty());  // recorded from record version 3 on
  EXPECT_NE(back.config_toml.find("compress=\"topk:3\""), std::string::npos);
}

TEST_F(CheckpointFileTest, HugeStoredSizesAreRefusedWithoutAllocating) {
  // A payload with a valid checksum whose config length claims 2^62 bytes.
  WriteCheckpoint(Path("huge.pmlab"), 1, [](std::ostream& out) {
    CheckpointOutputArchive ar(out);
    ar(std::uint32_t{1}, std::uint64_t{1} << 62);
  });
  const std::string error = LoadError(Path("huge.pmlab"));
  EXPECT_NE(error.find("damaged"), std::string::npos) << error;
  EXPECT_NE(error.find("exceeds"), std::string::npos) << error;
}

TEST_F(CheckpointFileTest, WritingIsAtomicAndLeavesNoTemporaryFiles) {
  core::RunCheckpoint other = ck_;
  other.state.iteration = 8;
  core::SaveRunCheckpoint(Path(), other);
  EXPECT_EQ(core::LoadRunCheckpoint(Path()).state.iteration, 8);
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1);
  EXPECT_THROW(core::SaveRunCheckpoint(dir_ / "no-such-dir" / "c.pmlab", ck_), std::runtime_error);
}

}  // namespace
}  // namespace pmlab::core
