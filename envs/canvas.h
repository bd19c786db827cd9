#pragma once
// An RGB image that environments draw their state on: filled polygons and circles in pixel
// coordinates with y pointing up (row 0 of the stored image is the top, as image files want).
// Rendering is never on the training path; it serves evaluation and inspection.
#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Dense>

namespace pmlab::envs {

/// A colour.
struct Rgb {
  std::uint8_t r = 0;  ///< red
  std::uint8_t g = 0;  ///< green
  std::uint8_t b = 0;  ///< blue
  /// Same colour.
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

/// An RGB image to draw on, y pointing up.
class Canvas {
 public:
  /// Throws std::invalid_argument unless 1 <= width, height <= 8192.
  Canvas(int width, int height, Rgb background = {255, 255, 255});

  /// Width in pixels.
  int width() const { return width_; }
  /// Height in pixels.
  int height() const { return height_; }
  /// Rows top to bottom, 3 bytes per pixel.
  const std::vector<std::uint8_t>& pixels() const { return pixels_; }
  /// The colour of pixel (x, y counted from the top).
  Rgb At(int x, int y_from_top) const;

  /// Fills the polygon (even-odd rule) whose corners are given with y up.
  void FillPolygon(std::span<const Eigen::Vector2d> corners, Rgb color);
  /// Fills a disc.
  void FillCircle(const Eigen::Vector2d& centre, double radius, Rgb color);
  /// A straight segment `width` pixels wide.
  void Line(const Eigen::Vector2d& from, const Eigen::Vector2d& to, double width, Rgb color);

 private:
  int width_, height_;
  std::vector<std::uint8_t> pixels_;
};

}  // namespace pmlab::envs
