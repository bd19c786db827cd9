#pragma once
// Drawing a Box2D body: each polygon fixture filled, with an outline, through a map from world
// metres to canvas pixels. Shared by the Box2D environments' renderers.
#include <functional>

#include "envs/canvas.h"

class b2Body;

namespace pmlab::envs {

void DrawBody(Canvas& canvas, const b2Body& body, const std::function<Eigen::Vector2d(double x, double y)>& to_pixels, Rgb fill,
              Rgb outline);

}  // namespace pmlab::envs
