#include "envs/body_drawing.h"

#include <box2d/box2d.h>

#include <vector>

namespace pmlab::envs {

void DrawBody(Canvas& canvas, const b2Body& body, const std::function<Eigen::Vector2d(double x, double y)>& to_pixels, Rgb fill,
              Rgb outline) {
  for (const b2Fixture* f = body.GetFixtureList(); f; f = f->GetNext()) {
    if (f->GetType() != b2Shape::e_polygon) continue;
    const auto* polygon = static_cast<const b2PolygonShape*>(f->GetShape());
    std::vector<Eigen::Vector2d> corners;
    for (int k = 0; k < polygon->m_count; ++k) {
      const b2Vec2 p = body.GetWorldPoint(polygon->m_vertices[k]);
      corners.push_back(to_pixels(p.x, p.y));
    }
    canvas.FillPolygon(corners, fill);
    for (std::size_t k = 0; k < corners.size(); ++k) canvas.Line(corners[k], corners[(k + 1) % corners.size()], 1.5, outline);
  }
}

}  // namespace pmlab::envs
