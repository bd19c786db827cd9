#include "envs/image_file.h"

#include <gif_lib.h>
#include <stb_image_write.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/io/atomic_file.h"

namespace pmlab::envs {
namespace {

void Append(void* context, void* data, int size) { static_cast<std::string*>(context)->append(static_cast<const char*>(data), size); }

int AppendGif(GifFileType* gif, const GifByteType* data, int size) {
  static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
  return size;
}

std::uint32_t Key(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2]; }

}  // namespace

void WritePng(const std::filesystem::path& path, const Canvas& frame) {
  std::string bytes;
  if (!stbi_write_png_to_func(&Append, &bytes, frame.width(), frame.height(), 3, frame.pixels().data(), frame.width() * 3))
    throw std::runtime_error("cannot encode the PNG for '" + path.string() + "'");
  core::WriteFileAtomically(path, bytes);
}

void WriteGif(const std::filesystem::path& path, const std::vector<Canvas>& frames, int centiseconds) {
  if (frames.empty()) throw std::invalid_argument("a GIF needs at least one frame");
  const int w = frames[0].width(), h = frames[0].height();
  for (const Canvas& f : frames)
    if (f.width() != w || f.height() != h) throw std::invalid_argument("the frames of a GIF must share one size");

  // One palette for the whole episode: its colours if there are at most 256, else 3-3-2.
  std::map<std::uint32_t, int> index;
  for (const Canvas& f : frames)
    for (std::size_t i = 0; i < f.pixels().size() && index.size() <= 256; i += 3) index.emplace(Key(&f.pixels()[i]), 0);
  const bool exact = index.size() <= 256;
  std::vector<GifColorType> colors;
  if (exact) {
    for (auto& [key, i] : index) {
      i = static_cast<int>(colors.size());
      colors.push_back({static_cast<GifByteType>(key >> 16), static_cast<GifByteType>(key >> 8), static_cast<GifByteType>(key)});
    }
  } else {
    for (int c = 0; c < 256; ++c)
      colors.push_back({static_cast<GifByteType>((c >> 5) * 255 / 7), static_cast<GifByteType>(((c >> 2) & 7) * 255 / 7),
                        static_cast<GifByteType>((c & 3) * 255 / 3)});
  }
  while (colors.size() < 2 || (colors.size() & (colors.size() - 1)) != 0) colors.push_back({0, 0, 0});  // a power of two

  std::string bytes;
  int error = 0;
  GifFileType* gif = EGifOpen(&bytes, &AppendGif, &error);
  if (!gif) throw std::runtime_error("cannot start the GIF for '" + path.string() + "': " + GifErrorString(error));
  const auto fail = [&](const char* what) {
    int ignored = 0;
    EGifCloseFile(gif, &ignored);
    throw std::runtime_error(std::string("cannot write the GIF for '") + path.string() + "': " + what);
  };
  ColorMapObject* map = GifMakeMapObject(static_cast<int>(colors.size()), colors.data());
  EGifSetGifVersion(gif, true);
  const bool header = EGifPutScreenDesc(gif, w, h, 8, 0, map) == GIF_OK;
  GifFreeMapObject(map);
  if (!header) fail("screen descriptor");
  // Loop forever (the NETSCAPE2.0 application extension).
  const GifByteType application[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
  const GifByteType loop[] = {1, 0, 0};
  if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) != GIF_OK ||
      EGifPutExtensionBlock(gif, sizeof application, application) != GIF_OK || EGifPutExtensionBlock(gif, sizeof loop, loop) != GIF_OK ||
      EGifPutExtensionTrailer(gif) != GIF_OK)
    fail("loop extension");
  std::vector<GifPixelType> line(static_cast<std::size_t>(w));
  for (const Canvas& f : frames) {
    const GifByteType control[] = {0, static_cast<GifByteType>(centiseconds & 0xff), static_cast<GifByteType>(centiseconds >> 8), 0};
    if (EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, sizeof control, control) != GIF_OK) fail("frame delay");
    if (EGifPutImageDesc(gif, 0, 0, w, h, false, nullptr) != GIF_OK) fail("frame descriptor");
    for (int y = 0; y < h; ++y) {
      const std::uint8_t* p = f.pixels().data() + static_cast<std::size_t>(y) * w * 3;
      for (int x = 0; x < w; ++x, p += 3)
        line[static_cast<std::size_t>(x)] =
            exact ? static_cast<GifPixelType>(index.at(Key(p))) : static_cast<GifPixelType>((p[0] & 0xe0) | ((p[1] >> 3) & 0x1c) | (p[2] >> 6));
      if (EGifPutLine(gif, line.data(), w) != GIF_OK) fail("pixels");
    }
  }
  if (EGifCloseFile(gif, &error) != GIF_OK) throw std::runtime_error("cannot finish the GIF for '" + path.string() + "'");
  core::WriteFileAtomically(path, bytes);
}

}  // namespace pmlab::envs
