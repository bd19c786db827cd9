#include "envs/bipedal_walker.h"

#include "envs/registry.h"

#include <box2d/box2d.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <numbers>

#include "envs/body_drawing.h"

namespace pmlab::envs {

// Gymnasium's ContactDetector: the hull touching the ground ends the game; the lower legs
// report ground contact while they touch.
class BipedalWalker::ContactDetector final : public b2ContactListener {
 public:
  explicit ContactDetector(BipedalWalker& env) : env_(env) {}
  void BeginContact(b2Contact* contact) override { Update(contact, true); }
  void EndContact(b2Contact* contact) override { Update(contact, false); }

  bool game_over = false;
  std::array<bool, 2> lower_leg_contact{};

 private:
  void Update(b2Contact* contact, bool begin) {
    const b2Body* a = contact->GetFixtureA()->GetBody();
    const b2Body* b = contact->GetFixtureB()->GetBody();
    if (begin && (a == env_.hull_ || b == env_.hull_)) game_over = true;
    for (int k = 0; k < 2; ++k)
      if (a == env_.legs_[2 * k + 1] || b == env_.legs_[2 * k + 1]) lower_leg_contact[k] = begin;
  }
  BipedalWalker& env_;
};

namespace {

Space ObservationSpace() {
  const double pi = std::numbers::pi;
  Eigen::VectorXd high(24);
  high << pi, 5, 5, 5, pi, 5, pi, 5, 5, pi, 5, pi, 5, 5, Eigen::VectorXd::Ones(10);
  Eigen::VectorXd low = -high;
  low[8] = low[13] = 0;  // contacts
  Space box = Space::Box(low, high);
  box.nominal = true;  // as Gymnasium declares it; a fall can spin the hull past pi
  return box;
}

b2Vec2 Vec(double x, double y) { return b2Vec2(static_cast<float>(x), static_cast<float>(y)); }

// The closest ground fixture along a ray (v3: the closest trace, not the furthest).
class Lidar final : public b2RayCastCallback {
 public:
  float ReportFixture(b2Fixture* fixture, const b2Vec2& /*point*/, const b2Vec2& /*normal*/, float fraction) override {
    if ((fixture->GetFilterData().categoryBits & 1) == 0) return -1;
    this->fraction = fraction;
    return fraction;
  }
  float fraction = 1;
};

PMLAB_REGISTER(Environments(), "BipedalWalker-v3", "Walk to the end of the terrain (Gymnasium 1.0 rules on Box2D); solved at 300", [](Spec& spec) {
  BipedalWalkerOptions o;
  spec.Flag("hardcore", &o.hardcore, "stumps, stairs and pits; time limit 2000");
  return [o](std::uint64_t instance) -> std::unique_ptr<Environment> { return std::make_unique<BipedalWalker>(o, instance); };
});
PMLAB_REGISTER(Environments(), "BipedalWalkerVelocity-v0", "BipedalWalker-v3 rewarded for walking at a target speed (meta-RL's locomotion task)",
               [](Spec& spec) {
                 BipedalWalkerOptions o;
                 o.target_velocity = 1.5;
                 spec.Number("target_velocity", &o.target_velocity, -10, 10, "v*: the hull's target forward speed (m/s)");
                 return [o](std::uint64_t instance) -> std::unique_ptr<Environment> { return std::make_unique<BipedalWalker>(o, instance); };
               });
// Gymnasium's id for the hardcore variant.
PMLAB_REGISTER(Environments(), "BipedalWalkerHardcore-v3", "Gymnasium's id for BipedalWalker-v3(hardcore=true)", [](Spec& spec) {
  BipedalWalkerOptions o;
  o.hardcore = true;
  spec.Flag("hardcore", &o.hardcore, "always true");
  if (!o.hardcore) throw std::invalid_argument("BipedalWalkerHardcore-v3 is BipedalWalker-v3 with hardcore=true; for hardcore=false use BipedalWalker-v3");
  return [o](std::uint64_t instance) -> std::unique_ptr<Environment> { return std::make_unique<BipedalWalker>(o, instance); };
});

}  // namespace

BipedalWalker::BipedalWalker(BipedalWalkerOptions options, std::uint64_t instance)
    : Environment(std::isnan(options.target_velocity) ? "BipedalWalker-v3" : "BipedalWalkerVelocity-v0", ObservationSpace(), Space::Box(-Eigen::VectorXd::Ones(4), Eigen::VectorXd::Ones(4)),
                  options.hardcore ? 2000 : 1600, instance),
      options_(options) {}

BipedalWalker::~BipedalWalker() = default;

void BipedalWalker::AddTerrainPolygon(const std::array<Eigen::Vector2d, 4>& corners) {
  b2BodyDef def;
  b2Body* body = world_->CreateBody(&def);
  b2Vec2 v[4];
  for (int k = 0; k < 4; ++k) v[k] = Vec(corners[k].x(), corners[k].y());
  b2PolygonShape shape;
  shape.Set(v, 4);
  b2FixtureDef f;
  f.shape = &shape;
  f.friction = static_cast<float>(kFriction);
  body->CreateFixture(&f);
  obstacles_.push_back(corners);
}

void BipedalWalker::GenerateTerrain(core::Rng& rng) {
  enum State { kGrass, kStump, kStairs, kPit, kStates };
  int state = kGrass;
  double velocity = 0, y = kTerrainHeight, original_y = 0;
  int counter = kTerrainStartpad;
  bool oneshot = false;
  int stair_steps = 0, stair_width = 0, stair_height = 0;
  std::vector<double> terrain_x, terrain_y;
  obstacles_.clear();
  const double step = kTerrainStep;
  for (int i = 0; i < kTerrainLength; ++i) {
    const double x = i * step;
    terrain_x.push_back(x);
    if (state == kGrass && !oneshot) {
      velocity = 0.8 * velocity + 0.01 * (kTerrainHeight - y > 0 ? 1 : kTerrainHeight - y < 0 ? -1 : 0);
      if (i > kTerrainStartpad) velocity += rng.Uniform(-1, 1) / kScale;
      y += velocity;
    } else if (state == kPit && oneshot) {
      counter = 3 + static_cast<int>(rng.Below(2));
      const std::array<Eigen::Vector2d, 4> wall = {{{x, y}, {x + step, y}, {x + step, y - 4 * step}, {x, y - 4 * step}}};
      AddTerrainPolygon(wall);
      std::array<Eigen::Vector2d, 4> far = wall;
      for (auto& p : far) p.x() += step * counter;
      AddTerrainPolygon(far);
      counter += 2;
      original_y = y;
    } else if (state == kPit && !oneshot) {
      y = original_y;
      if (counter > 1) y -= 4 * step;
    } else if (state == kStump && oneshot) {
      counter = 1 + static_cast<int>(rng.Below(2));
      AddTerrainPolygon({{{x, y}, {x + counter * step, y}, {x + counter * step, y + counter * step}, {x, y + counter * step}}});
    } else if (state == kStairs && oneshot) {
      stair_height = rng.Uniform(0, 1) > 0.5 ? 1 : -1;
      stair_width = 4;
      stair_steps = 3 + static_cast<int>(rng.Below(2));
      original_y = y;
      for (int s = 0; s < stair_steps; ++s)
        AddTerrainPolygon({{{x + s * stair_width * step, y + s * stair_height * step},
                            {x + (1 + s) * stair_width * step, y + s * stair_height * step},
                            {x + (1 + s) * stair_width * step, y + (-1 + s * stair_height) * step},
                            {x + s * stair_width * step, y + (-1 + s * stair_height) * step}}});
      counter = stair_steps * stair_width;
    } else if (state == kStairs && !oneshot) {
      const double s = stair_steps * stair_width - counter - stair_height;
      y = original_y + (s / stair_width * stair_height) * step;
    }
    oneshot = false;
    terrain_y.push_back(y);
    if (--counter == 0) {
      counter = kTerrainGrass / 2 + static_cast<int>(rng.Below(kTerrainGrass - kTerrainGrass / 2));
      if (state == kGrass && options_.hardcore) state = 1 + static_cast<int>(rng.Below(kStates - 1));
      else state = kGrass;
      oneshot = true;
    }
  }
  surface_.clear();
  b2BodyDef def;
  b2Body* ground = world_->CreateBody(&def);
  for (int i = 0; i + 1 < kTerrainLength; ++i) {
    b2EdgeShape edge;
    edge.SetTwoSided(Vec(terrain_x[i], terrain_y[i]), Vec(terrain_x[i + 1], terrain_y[i + 1]));
    b2FixtureDef f;
    f.shape = &edge;
    f.friction = static_cast<float>(kFriction);
    f.filter.categoryBits = 0x0001;
    ground->CreateFixture(&f);
  }
  for (int i = 0; i < kTerrainLength; ++i) surface_.emplace_back(terrain_x[i], terrain_y[i]);
}

void BipedalWalker::StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) {
  world_.reset();  // before its listener goes
  contacts_ = std::make_unique<ContactDetector>(*this);
  world_ = std::make_unique<b2World>(b2Vec2(0, -10));
  world_->SetContactListener(contacts_.get());
  has_previous_shaping_ = false;
  GenerateTerrain(rng);

  const double init_x = kTerrainStep * kTerrainStartpad / 2, init_y = kTerrainHeight + 2 * kLegH;
  const auto dynamic_body = [&](double x, double y, double angle) {
    b2BodyDef def;
    def.type = b2_dynamicBody;
    def.position = Vec(x, y);
    def.angle = static_cast<float>(angle);
    return world_->CreateBody(&def);
  };
  const auto attach = [](b2Body* body, const b2Shape& shape, double density, double friction) {
    b2FixtureDef f;
    f.shape = &shape;
    f.density = static_cast<float>(density);
    f.friction = static_cast<float>(friction);
    f.restitution = 0;
    f.filter.categoryBits = 0x0020;
    f.filter.maskBits = 0x001;  // collides with the ground only
    body->CreateFixture(&f);
  };
  hull_ = dynamic_body(init_x, init_y, 0);
  const double hull_poly[5][2] = {{-30, 9}, {6, 9}, {34, 1}, {34, -8}, {-30, -8}};
  b2Vec2 corners[5];
  for (int k = 0; k < 5; ++k) corners[k] = Vec(hull_poly[k][0] / kScale, hull_poly[k][1] / kScale);
  b2PolygonShape hull;
  hull.Set(corners, 5);
  attach(hull_, hull, 5.0, 0.1);
  hull_->ApplyForceToCenter(Vec(rng.Uniform(-kInitialRandom, kInitialRandom), 0), true);

  for (int side = 0; side < 2; ++side) {
    const int i = side == 0 ? -1 : +1;
    b2Body* upper = dynamic_body(init_x, init_y - kLegH / 2 - kLegDown, i * 0.05);
    b2PolygonShape upper_box;
    upper_box.SetAsBox(static_cast<float>(kLegW / 2), static_cast<float>(kLegH / 2));
    attach(upper, upper_box, 1.0, 0.2);
    b2RevoluteJointDef hip;
    hip.bodyA = hull_;
    hip.bodyB = upper;
    hip.localAnchorA = Vec(0, kLegDown);
    hip.localAnchorB = Vec(0, kLegH / 2);
    hip.enableMotor = hip.enableLimit = true;
    hip.maxMotorTorque = static_cast<float>(kMotorsTorque);
    hip.motorSpeed = static_cast<float>(i);
    // As pybox2d's revoluteJointDef(bodyA=, bodyB=) does: the reference angle is the bodies'
    // angle difference, so the hip reads 0 at the start and its limits sit where Gymnasium's do.
    hip.referenceAngle = upper->GetAngle() - hull_->GetAngle();
    hip.lowerAngle = -0.8f;
    hip.upperAngle = 1.1f;
    legs_[2 * side] = upper;
    joints_[2 * side] = static_cast<b2RevoluteJoint*>(world_->CreateJoint(&hip));

    b2Body* lower = dynamic_body(init_x, init_y - kLegH * 3 / 2 - kLegDown, i * 0.05);
    b2PolygonShape lower_box;
    lower_box.SetAsBox(static_cast<float>(0.8 * kLegW / 2), static_cast<float>(kLegH / 2));
    attach(lower, lower_box, 1.0, 0.2);
    b2RevoluteJointDef knee;
    knee.bodyA = upper;
    knee.bodyB = lower;
    knee.localAnchorA = Vec(0, -kLegH / 2);
    knee.localAnchorB = Vec(0, kLegH / 2);
    knee.enableMotor = knee.enableLimit = true;
    knee.maxMotorTorque = static_cast<float>(kMotorsTorque);
    knee.motorSpeed = 1;
    knee.referenceAngle = lower->GetAngle() - upper->GetAngle();
    knee.lowerAngle = -1.6f;
    knee.upperAngle = -0.1f;
    legs_[2 * side + 1] = lower;
    joints_[2 * side + 1] = static_cast<b2RevoluteJoint*>(world_->CreateJoint(&knee));
  }
  Advance(Eigen::VectorXd::Zero(4), rng, observation);  // Gymnasium's reset returns the observation after one idle step
}

float BipedalWalker::HullX() const { return hull_->GetPosition().x; }

std::array<double, 2> BipedalWalker::HipTilts() const {
  return {legs_[0]->GetAngle() - hull_->GetAngle(), legs_[2]->GetAngle() - hull_->GetAngle()};
}

Environment::Transition BipedalWalker::Advance(const Eigen::VectorXd& action, core::Rng& /*rng*/, Eigen::VectorXd& observation) {
  // Each motor turns at full speed in the action's direction with torque in proportion to |a|.
  for (int k = 0; k < 4; ++k) {
    const double speed = k % 2 == 0 ? kSpeedHip : kSpeedKnee;
    joints_[k]->SetMotorSpeed(static_cast<float>(speed * (action[k] > 0 ? 1 : action[k] < 0 ? -1 : 0)));
    joints_[k]->SetMaxMotorTorque(static_cast<float>(kMotorsTorque * std::clamp(std::abs(action[k]), 0.0, 1.0)));
  }
  world_->Step(static_cast<float>(1.0 / kFps), 6 * 30, 2 * 30);

  const b2Vec2 pos = hull_->GetPosition();
  const b2Vec2 vel = hull_->GetLinearVelocity();
  observation[0] = hull_->GetAngle();
  observation[1] = 2.0 * hull_->GetAngularVelocity() / kFps;
  observation[2] = 0.3 * vel.x * (kViewportW / kScale) / kFps;
  observation[3] = 0.3 * vel.y * (kViewportH / kScale) / kFps;
  for (int side = 0; side < 2; ++side) {
    const int at = 4 + 5 * side;
    observation[at] = joints_[2 * side]->GetJointAngle();
    observation[at + 1] = joints_[2 * side]->GetJointSpeed() / kSpeedHip;
    observation[at + 2] = joints_[2 * side + 1]->GetJointAngle() + 1.0;
    observation[at + 3] = joints_[2 * side + 1]->GetJointSpeed() / kSpeedKnee;
    observation[at + 4] = contacts_->lower_leg_contact[side] ? 1.0 : 0.0;
  }
  for (int i = 0; i < 10; ++i) {
    Lidar lidar;
    const b2Vec2 to = Vec(pos.x + std::sin(1.5 * i / 10.0) * kLidarRange, pos.y - std::cos(1.5 * i / 10.0) * kLidarRange);
    world_->RayCast(&lidar, pos, to);
    observation[14 + i] = lidar.fraction;
  }

  // In double, as Gymnasium computes it from the float32 position (130 * pos.x in float would
  // round the potential, and each step's reward by up to 3e-5).
  const bool velocity_task = !std::isnan(options_.target_velocity);
  const double shaping = (velocity_task ? 0.0 : 130.0 * pos.x / kScale) - 5.0 * std::abs(observation[0]);
  double reward = has_previous_shaping_ ? shaping - previous_shaping_ : 0.0;
  previous_shaping_ = shaping;
  has_previous_shaping_ = true;
  if (velocity_task) {
    const double target = options_.target_velocity;
    reward += 130.0 / kScale / kFps * (target - std::abs(vel.x - target));
  }
  for (int k = 0; k < 4; ++k) reward -= 0.00035 * kMotorsTorque * std::clamp(std::abs(action[k]), 0.0, 1.0);
  if (contacts_->game_over || pos.x < 0) return {-100, true};
  return {reward, pos.x > (kTerrainLength - kTerrainGrass) * kTerrainStep};
}

void BipedalWalker::Draw(Canvas& canvas) const {
  // The view follows the walker, as Gymnasium's does: sky, the ground's polygons, obstacles,
  // legs, hull.
  const double scroll = hull_->GetPosition().x - kViewportW / kScale / 5;
  const auto screen = [&](double x, double y) { return Eigen::Vector2d((x - scroll) * kScale, y * kScale); };
  const Eigen::Vector2d sky[4] = {{0, 0}, {kViewportW, 0}, {kViewportW, kViewportH}, {0, kViewportH}};
  canvas.FillPolygon(sky, {215, 215, 255});
  for (std::size_t i = 0; i + 1 < surface_.size(); ++i) {
    const Eigen::Vector2d ground[4] = {screen(surface_[i].x(), surface_[i].y()), screen(surface_[i + 1].x(), surface_[i + 1].y()),
                                       screen(surface_[i + 1].x(), 0), screen(surface_[i].x(), 0)};
    canvas.FillPolygon(ground, {102, 153, 76});
  }
  for (const auto& o : obstacles_) {
    const Eigen::Vector2d corners[4] = {screen(o[0].x(), o[0].y()), screen(o[1].x(), o[1].y()), screen(o[2].x(), o[2].y()),
                                        screen(o[3].x(), o[3].y())};
    canvas.FillPolygon(corners, {255, 255, 255});
  }
  for (int side = 0; side < 2; ++side) {
    const int i = side == 0 ? -1 : 1;
    const Rgb fill{static_cast<std::uint8_t>(153 - i * 25), static_cast<std::uint8_t>(76 - i * 25), static_cast<std::uint8_t>(127 - i * 25)};
    const Rgb outline{static_cast<std::uint8_t>(102 - i * 25), static_cast<std::uint8_t>(51 - i * 25), static_cast<std::uint8_t>(76 - i * 25)};
    DrawBody(canvas, *legs_[2 * side], screen, fill, outline);
    DrawBody(canvas, *legs_[2 * side + 1], screen, fill, outline);
  }
  DrawBody(canvas, *hull_, screen, {127, 51, 229}, {76, 76, 127});
}

}  // namespace pmlab::envs
