#include "envs/canvas.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace pmlab::envs {

Canvas::Canvas(int width, int height, Rgb background) : width_(width), height_(height) {
  if (width < 1 || height < 1 || width > 8192 || height > 8192) throw std::invalid_argument("a canvas is 1 to 8192 pixels a side");
  pixels_.resize(static_cast<std::size_t>(width) * height * 3);
  for (std::size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = background.r;
    pixels_[i + 1] = background.g;
    pixels_[i + 2] = background.b;
  }
}

Rgb Canvas::At(int x, int y_from_top) const {
  const std::size_t i = (static_cast<std::size_t>(y_from_top) * width_ + x) * 3;
  return {pixels_.at(i), pixels_.at(i + 1), pixels_.at(i + 2)};
}

void Canvas::FillPolygon(std::span<const Eigen::Vector2d> corners, Rgb color) {
  if (corners.size() < 3) return;
  double low = corners[0].y(), high = low;
  for (const auto& c : corners) {
    low = std::min(low, c.y());
    high = std::max(high, c.y());
  }
  const int first = std::max(0, static_cast<int>(std::floor(low))), last = std::min(height_ - 1, static_cast<int>(std::ceil(high)));
  std::vector<double> crossings;
  for (int row = first; row <= last; ++row) {
    // Each row samples the pixel centres' height.
    const double y = row + 0.5;
    crossings.clear();
    for (std::size_t i = 0, j = corners.size() - 1; i < corners.size(); j = i++) {
      const Eigen::Vector2d& a = corners[i];
      const Eigen::Vector2d& b = corners[j];
      if ((a.y() > y) != (b.y() > y)) crossings.push_back(a.x() + (y - a.y()) / (b.y() - a.y()) * (b.x() - a.x()));
    }
    std::sort(crossings.begin(), crossings.end());
    std::uint8_t* line = pixels_.data() + static_cast<std::size_t>(height_ - 1 - row) * width_ * 3;
    for (std::size_t k = 0; k + 1 < crossings.size(); k += 2) {
      const int from = std::max(0, static_cast<int>(std::ceil(crossings[k] - 0.5)));
      const int to = std::min(width_ - 1, static_cast<int>(std::ceil(crossings[k + 1] - 0.5)) - 1);
      for (int x = from; x <= to; ++x) {
        line[3 * x] = color.r;
        line[3 * x + 1] = color.g;
        line[3 * x + 2] = color.b;
      }
    }
  }
}

void Canvas::FillCircle(const Eigen::Vector2d& centre, double radius, Rgb color) {
  constexpr int kSides = 32;
  std::vector<Eigen::Vector2d> corners;
  for (int k = 0; k < kSides; ++k) {
    const double t = 2 * std::numbers::pi * k / kSides;
    corners.emplace_back(centre.x() + radius * std::cos(t), centre.y() + radius * std::sin(t));
  }
  FillPolygon(corners, color);
}

void Canvas::Line(const Eigen::Vector2d& from, const Eigen::Vector2d& to, double width, Rgb color) {
  Eigen::Vector2d along = to - from;
  if (along.norm() == 0) return;
  const Eigen::Vector2d across = Eigen::Vector2d(-along.y(), along.x()).normalized() * (width / 2);
  const Eigen::Vector2d corners[4] = {from + across, to + across, to - across, from - across};
  FillPolygon(corners, color);
}

}  // namespace pmlab::envs
