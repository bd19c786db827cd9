#pragma once
// Canvases to image files, written atomically: one frame as PNG (stb_image_write), a whole
// episode as an animated GIF (giflib).
#include <filesystem>
#include <vector>

#include "envs/canvas.h"

namespace pmlab::envs {

/// Throws std::runtime_error if the file cannot be written.
void WritePng(const std::filesystem::path& path, const Canvas& frame);

/// Frames of one size, shown `centiseconds` each, looping; at most 256 colours are kept exactly
/// (environments draw in a few flat colours), more are reduced to a 3-3-2 palette.
void WriteGif(const std::filesystem::path& path, const std::vector<Canvas>& frames, int centiseconds = 4);

}  // namespace pmlab::envs
