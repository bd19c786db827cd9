#include "core/nn/image_dataset.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

namespace pmlab::core {
namespace {

// zlib's gz reader handles plain files too, so one path serves .gz and uncompressed copies.
class GzFile {
 public:
  explicit GzFile(const std::filesystem::path& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    if (!file_) throw std::runtime_error("cannot open '" + path.string() + "'");
  }
  ~GzFile() { gzclose(file_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  void Read(void* data, std::size_t size, const char* what) {
    auto* out = static_cast<unsigned char*>(data);
    while (size > 0) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30));
      const int n = gzread(file_, out, chunk);
      if (n <= 0) Fail(std::string("is truncated or corrupt while reading ") + what);
      out += n;
      size -= static_cast<std::size_t>(n);
    }
  }
  std::uint32_t ReadBigEndian(const char* what) {
    std::array<unsigned char, 4> b{};
    Read(b.data(), b.size(), what);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  }
  void ExpectEnd() {
    unsigned char extra = 0;
    if (gzread(file_, &extra, 1) != 0) Fail("has data beyond what its header declares");
  }
  [[noreturn]] void Fail(const std::string& what) const {
    throw std::runtime_error("'" + path_.string() + "' " + what);
  }

 private:
  std::filesystem::path path_;
  gzFile file_;
};

// Fashion-MNIST and MNIST are 60,000 images of 28x28; anything claiming far more is not a file
// we should allocate for.
constexpr std::uint32_t kMaxImages = 10'000'000;
constexpr std::uint32_t kMaxSide = 4096;

std::filesystem::path Existing(const std::filesystem::path& dir, const std::string& name) {
  for (const auto& candidate : {dir / (name + ".gz"), dir / name})
    if (std::filesystem::exists(candidate)) return candidate;
  throw std::runtime_error("dataset file '" + (dir / (name + ".gz")).string() +
                           "' not found (install dataset-fashion-mnist or pass --data-dir)");
}

}  // namespace

ImageDataset LoadIdx(const std::filesystem::path& images, const std::filesystem::path& labels) {
  ImageDataset set;
  GzFile img(images);
  if (img.ReadBigEndian("the magic number") != 0x00000803)
    img.Fail("is not an IDX3 unsigned-byte image file (wrong magic number)");
  const std::uint32_t count = img.ReadBigEndian("the image count");
  const std::uint32_t rows = img.ReadBigEndian("the row count");
  const std::uint32_t cols = img.ReadBigEndian("the column count");
  if (count == 0 || count > kMaxImages || rows == 0 || rows > kMaxSide || cols == 0 || cols > kMaxSide)
    img.Fail("declares implausible sizes " + std::to_string(count) + "x" + std::to_string(rows) + "x" + std::to_string(cols));
  set.rows = static_cast<int>(rows);
  set.cols = static_cast<int>(cols);
  set.pixels.resize(std::size_t{count} * rows * cols);
  img.Read(set.pixels.data(), set.pixels.size(), "pixels");
  img.ExpectEnd();

  GzFile lab(labels);
  if (lab.ReadBigEndian("the magic number") != 0x00000801)
    lab.Fail("is not an IDX1 unsigned-byte label file (wrong magic number)");
  const std::uint32_t label_count = lab.ReadBigEndian("the label count");
  if (label_count != count)
    lab.Fail("holds " + std::to_string(label_count) + " labels for " + std::to_string(count) + " images");
  set.labels.resize(count);
  lab.Read(set.labels.data(), set.labels.size(), "labels");
  lab.ExpectEnd();
  const std::uint8_t max_label = *std::max_element(set.labels.begin(), set.labels.end());
  if (max_label > 99) lab.Fail("holds label " + std::to_string(max_label) + ", not a class index");
  set.classes = max_label + 1;
  return set;
}

ImageDataset LoadMnistSplit(const std::filesystem::path& dir, const std::string& split) {
  return LoadIdx(Existing(dir, split + "-images-idx3-ubyte"), Existing(dir, split + "-labels-idx1-ubyte"));
}

}  // namespace pmlab::core
