#include "envs/lunar_lander.h"

#include "envs/registry.h"

#include <box2d/box2d.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "core/opt/exact_number.h"
#include "envs/body_drawing.h"

namespace pmlab::envs {

// Gymnasium's ContactDetector: the hull touching anything ends the game; legs report ground
// contact while they touch.
class LunarLander::ContactDetector final : public b2ContactListener {
 public:
  explicit ContactDetector(LunarLander& env) : env_(env) {}
  void BeginContact(b2Contact* contact) override { Update(contact, true); }
  void EndContact(b2Contact* contact) override { Update(contact, false); }

  bool game_over = false;
  std::array<bool, 2> leg_contact{};

 private:
  void Update(b2Contact* contact, bool begin) {
    const b2Body* a = contact->GetFixtureA()->GetBody();
    const b2Body* b = contact->GetFixtureB()->GetBody();
    if (begin && (a == env_.lander_ || b == env_.lander_)) game_over = true;
    for (int i = 0; i < 2; ++i)
      if (a == env_.legs_[i] || b == env_.legs_[i]) leg_contact[i] = begin;
  }
  LunarLander& env_;
};

namespace {

constexpr double kW = LunarLander::kViewportW / LunarLander::kScale;
constexpr double kH = LunarLander::kViewportH / LunarLander::kScale;

Space ObservationSpace() {
  const double two_pi = 2 * std::numbers::pi;
  Eigen::VectorXd low(8), high(8);
  low << -2.5, -2.5, -10, -10, -two_pi, -10, 0, 0;
  high << 2.5, 2.5, 10, 10, two_pi, 10, 1, 1;
  Space box = Space::Box(low, high);
  box.nominal = true;
  return box;
}

Space ActionSpace(bool continuous) {
  return continuous ? Space::Box(Eigen::VectorXd::Constant(2, -1), Eigen::VectorXd::Constant(2, 1)) : Space::Discrete(4);
}

// tanh(sin(2 k t) + sin(pi k t)) with k = 0.01: Gymnasium's non-periodic wind profile.
double WindProfile(std::int64_t t) {
  const double x = static_cast<double>(t);
  return std::tanh(std::sin(0.02 * x) + std::sin(std::numbers::pi * 0.01 * x));
}

void BindWorld(Spec& spec, LunarLanderOptions& o) {
  spec.Number("gravity", &o.gravity, "gravitational acceleration, in (-12, 0)");
  spec.Flag("enable_wind", &o.enable_wind, "wind and turbulence while no leg touches the ground");
  spec.Number("wind_power", &o.wind_power, "peak lateral wind force, 0 to 50 (Gymnasium recommends 0 to 20)");
  spec.Number("turbulence_power", &o.turbulence_power, "peak wind torque, 0 to 10 (Gymnasium recommends 0 to 2)");
}

PMLAB_REGISTER(Environments(), "LunarLander-v3", "Land between the flags (Gymnasium 1.0 rules on Box2D); solved at 200", [](Spec& spec) {
  LunarLanderOptions o;
  spec.Flag("continuous", &o.continuous, "Box(2) throttles instead of Discrete(4)");
  BindWorld(spec, o);
  return [o](std::uint64_t instance) -> std::unique_ptr<Environment> { return std::make_unique<LunarLander>(o, instance); };
});
// Gymnasium's id for the continuous variant.
PMLAB_REGISTER(Environments(), "LunarLanderContinuous-v3", "Gymnasium's id for LunarLander-v3(continuous=true)", [](Spec& spec) {
  LunarLanderOptions o;
  o.continuous = true;
  spec.Flag("continuous", &o.continuous, "always true");
  if (!o.continuous) throw std::invalid_argument("LunarLanderContinuous-v3 is LunarLander-v3 with continuous=true; for continuous=false use LunarLander-v3");
  BindWorld(spec, o);
  return [o](std::uint64_t instance) -> std::unique_ptr<Environment> { return std::make_unique<LunarLander>(o, instance); };
});

}  // namespace

LunarLander::LunarLander(LunarLanderOptions options, std::uint64_t instance)
    : Environment("LunarLander-v3", ObservationSpace(), ActionSpace(options.continuous), 1000, instance), options_(options) {
  if (!(options.gravity > -12.0 && options.gravity < 0.0))
    throw std::invalid_argument("LunarLander-v3: gravity must be between -12 and 0 (exclusive), not " + core::FormatNumber(options.gravity));
  // Beyond these the lander leaves the world at once and Box2D's numbers overflow.
  if (!(options.wind_power >= 0.0 && options.wind_power <= 50.0))
    throw std::invalid_argument("LunarLander-v3: wind_power must be from 0 to 50 (Gymnasium recommends 0 to 20), not " + core::FormatNumber(options.wind_power));
  if (!(options.turbulence_power >= 0.0 && options.turbulence_power <= 10.0))
    throw std::invalid_argument("LunarLander-v3: turbulence_power must be from 0 to 10 (Gymnasium recommends 0 to 2), not " +
                                core::FormatNumber(options.turbulence_power));
}

LunarLander::~LunarLander() = default;

double LunarLander::Shaping(const Eigen::VectorXd& s) {
  return -100 * std::sqrt(s[0] * s[0] + s[1] * s[1]) - 100 * std::sqrt(s[2] * s[2] + s[3] * s[3]) - 100 * std::abs(s[4]) +
         10 * s[6] + 10 * s[7];
}

void LunarLander::StartEpisode(core::Rng& rng, Eigen::VectorXd& observation) {
  // A fresh world every episode, so that no state of Box2D's solver leaks between episodes.
  world_.reset();  // before its listener goes
  contacts_ = std::make_unique<ContactDetector>(*this);
  world_ = std::make_unique<b2World>(b2Vec2(0.0f, static_cast<float>(options_.gravity)));
  world_->SetContactListener(contacts_.get());
  has_previous_shaping_ = false;

  // Terrain: 12 random heights, the five around the middle flattened to the helipad, then
  // smoothed over neighbours (index -1 wraps to the last height, as Python's indexing does).
  std::array<double, kChunks + 1> height{};
  for (double& h : height) h = rng.Uniform(0.0, kH / 2);
  std::array<double, kChunks> chunk_x{}, smooth_y{};
  for (int i = 0; i < kChunks; ++i) chunk_x[i] = kW / (kChunks - 1) * i;
  helipad_y_ = kH / 4;
  for (int i = kChunks / 2 - 2; i <= kChunks / 2 + 2; ++i) height[i] = helipad_y_;
  for (int i = 0; i < kChunks; ++i) {
    smooth_y[i] = 0.33 * (height[(i + kChunks) % (kChunks + 1)] + height[i] + height[i + 1]);
    terrain_[i] = {chunk_x[i], smooth_y[i]};
  }

  b2BodyDef moon_def;
  b2Body* moon = world_->CreateBody(&moon_def);
  b2EdgeShape edge;
  edge.SetTwoSided(b2Vec2(0, 0), b2Vec2(static_cast<float>(kW), 0));
  moon->CreateFixture(&edge, 0.0f);
  for (int i = 0; i < kChunks - 1; ++i) {
    edge.SetTwoSided(b2Vec2(static_cast<float>(chunk_x[i]), static_cast<float>(smooth_y[i])),
                     b2Vec2(static_cast<float>(chunk_x[i + 1]), static_cast<float>(smooth_y[i + 1])));
    b2FixtureDef f;
    f.shape = &edge;
    f.density = 0;
    f.friction = 0.1f;
    moon->CreateFixture(&f);
  }

  const float start_x = static_cast<float>(kW / 2), start_y = static_cast<float>(kH);
  b2BodyDef lander_def;
  lander_def.type = b2_dynamicBody;
  lander_def.position.Set(start_x, start_y);
  lander_ = world_->CreateBody(&lander_def);
  const double poly[6][2] = {{-14, 17}, {-17, 0}, {-17, -10}, {17, -10}, {17, 0}, {14, 17}};
  b2Vec2 vertices[6];
  for (int i = 0; i < 6; ++i) vertices[i].Set(static_cast<float>(poly[i][0] / kScale), static_cast<float>(poly[i][1] / kScale));
  b2PolygonShape hull;
  hull.Set(vertices, 6);
  b2FixtureDef hull_fixture;
  hull_fixture.shape = &hull;
  hull_fixture.density = 5.0f;
  hull_fixture.friction = 0.1f;
  hull_fixture.filter.categoryBits = 0x0010;
  hull_fixture.filter.maskBits = 0x001;  // collides with the ground only
  hull_fixture.restitution = 0.0f;
  lander_->CreateFixture(&hull_fixture);
  const double push_x = rng.Uniform(-kInitialRandom, kInitialRandom);
  const double push_y = rng.Uniform(-kInitialRandom, kInitialRandom);
  lander_->ApplyForceToCenter(b2Vec2(static_cast<float>(push_x), static_cast<float>(push_y)), true);

  for (int k = 0; k < 2; ++k) {
    const int i = k == 0 ? -1 : +1;
    b2BodyDef leg_def;
    leg_def.type = b2_dynamicBody;
    leg_def.position.Set(static_cast<float>(kW / 2 - i * kLegAway / kScale), start_y);
    leg_def.angle = static_cast<float>(i * 0.05);
    legs_[k] = world_->CreateBody(&leg_def);
    b2PolygonShape box;
    box.SetAsBox(static_cast<float>(kLegW / kScale), static_cast<float>(kLegH / kScale));
    b2FixtureDef leg_fixture;
    leg_fixture.shape = &box;
    leg_fixture.density = 1.0f;
    leg_fixture.restitution = 0.0f;
    leg_fixture.filter.categoryBits = 0x0020;
    leg_fixture.filter.maskBits = 0x001;
    legs_[k]->CreateFixture(&leg_fixture);
    b2RevoluteJointDef joint;
    joint.bodyA = lander_;
    joint.bodyB = legs_[k];
    joint.localAnchorA.Set(0, 0);
    joint.localAnchorB.Set(static_cast<float>(i * kLegAway / kScale), static_cast<float>(kLegDown / kScale));
    joint.enableMotor = true;
    joint.enableLimit = true;
    joint.maxMotorTorque = static_cast<float>(kLegSpringTorque);
    joint.motorSpeed = static_cast<float>(0.3 * i);  // low enough not to jump back into the sky
    // pybox2d's revoluteJointDef(bodyA=, bodyB=) sets the reference angle to the bodies' angle
    // difference when none is given, so Gymnasium's limits count from the leg's starting tilt.
    joint.referenceAngle = legs_[k]->GetAngle() - lander_->GetAngle();
    joint.lowerAngle = static_cast<float>(i == -1 ? 0.9 - 0.5 : -0.9);
    joint.upperAngle = static_cast<float>(i == -1 ? 0.9 : -0.9 + 0.5);
    world_->CreateJoint(&joint);
  }
  if (options_.enable_wind) {
    // v3: the wind's phase is drawn at every reset, so episodes are independent.
    wind_index_ = static_cast<std::int64_t>(rng.Below(19998)) - 9999;
    torque_index_ = static_cast<std::int64_t>(rng.Below(19998)) - 9999;
  }
  Physics(0, 0, 0, rng, observation);  // Gymnasium's reset returns the observation after one idle step
}

std::array<double, 2> LunarLander::LegTilts() const {
  return {legs_[0]->GetAngle() - lander_->GetAngle(), legs_[1]->GetAngle() - lander_->GetAngle()};
}

Environment::Transition LunarLander::Advance(const Eigen::VectorXd& action, core::Rng& rng, Eigen::VectorXd& observation) {
  double main_power = 0, side_power = 0, direction = 0;
  if (options_.continuous) {
    // Main: off below 0, throttle 50%..100% above; side: off within (-0.5, 0.5).
    if (action[0] > 0) main_power = (std::clamp(action[0], 0.0, 1.0) + 1.0) * 0.5;
    if (std::abs(action[1]) > 0.5) {
      direction = action[1] > 0 ? 1 : -1;
      side_power = std::clamp(std::abs(action[1]), 0.5, 1.0);
    }
  } else {
    const int a = static_cast<int>(action[0]);
    if (a == 2) main_power = 1;
    if (a == 1 || a == 3) {
      direction = a - 2;
      side_power = 1;
    }
  }
  return Physics(main_power, side_power, direction, rng, observation);
}

Environment::Transition LunarLander::Physics(double main_power, double side_power, double direction, core::Rng& rng,
                                             Eigen::VectorXd& observation) {
  if (options_.enable_wind && !(contacts_->leg_contact[0] || contacts_->leg_contact[1])) {
    lander_->ApplyForceToCenter(b2Vec2(static_cast<float>(WindProfile(wind_index_++) * options_.wind_power), 0.0f), true);
    lander_->ApplyTorque(static_cast<float>(WindProfile(torque_index_++) * options_.turbulence_power), true);
  }
  const b2Vec2 position = lander_->GetPosition();
  const double angle = lander_->GetAngle();
  const double tip[2] = {std::sin(angle), std::cos(angle)};
  const double side[2] = {-tip[1], tip[0]};
  const double dispersion[2] = {rng.Uniform(-1.0, 1.0) / kScale, rng.Uniform(-1.0, 1.0) / kScale};
  const auto push = [&](double ox, double oy, double at_x, double at_y, double power) {
    lander_->ApplyLinearImpulse(b2Vec2(static_cast<float>(-ox * power), static_cast<float>(-oy * power)),
                                b2Vec2(static_cast<float>(at_x), static_cast<float>(at_y)), true);
  };
  if (main_power > 0) {
    // 4 / SCALE below the centre, +-2 for randomness.
    const double ox = tip[0] * (4 / kScale + 2 * dispersion[0]) + side[0] * dispersion[1];
    const double oy = -tip[1] * (4 / kScale + 2 * dispersion[0]) - side[1] * dispersion[1];
    push(ox, oy, position.x + ox, position.y + oy, kMainEnginePower * main_power);
  }
  if (side_power > 0) {
    const double lateral = 3 * dispersion[1] + direction * kSideEngineAway / kScale;
    const double ox = tip[0] * dispersion[0] + side[0] * lateral;
    const double oy = -tip[1] * dispersion[0] - side[1] * lateral;
    push(ox, oy, position.x + ox - tip[0] * 17 / kScale, position.y + oy + tip[1] * kSideEngineHeight / kScale,
         kSideEnginePower * side_power);
  }
  world_->Step(static_cast<float>(1.0 / kFps), 6 * 30, 2 * 30);

  const b2Vec2 pos = lander_->GetPosition();
  const b2Vec2 vel = lander_->GetLinearVelocity();
  observation << (pos.x - kW / 2) / (kW / 2), (pos.y - (helipad_y_ + kLegDown / kScale)) / (kH / 2), vel.x * (kW / 2) / kFps,
      vel.y * (kH / 2) / kFps, lander_->GetAngle(), 20.0 * lander_->GetAngularVelocity() / kFps,
      contacts_->leg_contact[0] ? 1.0 : 0.0, contacts_->leg_contact[1] ? 1.0 : 0.0;

  const double shaping = Shaping(observation);
  double reward = has_previous_shaping_ ? shaping - previous_shaping_ : 0.0;
  previous_shaping_ = shaping;
  has_previous_shaping_ = true;
  reward -= main_power * 0.30 + side_power * 0.03;  // fuel
  Transition t{reward, false};
  if (contacts_->game_over || std::abs(observation[0]) >= 1.0) t = {-100, true};
  if (!lander_->IsAwake()) t = {+100, true};  // checked last: it wins, as in Gymnasium
  return t;
}

void LunarLander::Draw(Canvas& canvas) const {
  // Gymnasium's picture: white ground, black sky above the terrain, the lander in violet with
  // a dark outline, white flag poles with yellow flags.
  const Rgb sky{0, 0, 0}, body{128, 102, 230}, outline{77, 77, 128}, pole{255, 255, 255}, flag{204, 204, 0};
  for (int i = 0; i + 1 < kChunks; ++i) {
    const Eigen::Vector2d a = terrain_[i] * kScale, b = terrain_[i + 1] * kScale;
    const Eigen::Vector2d sky_poly[4] = {a, b, {b.x(), kViewportH}, {a.x(), kViewportH}};
    canvas.FillPolygon(sky_poly, sky);
  }
  const auto to_pixels = [](double x, double y) { return Eigen::Vector2d(x * kScale, y * kScale); };
  for (const b2Body* part : {lander_, legs_[0], legs_[1]}) DrawBody(canvas, *part, to_pixels, body, outline);
  for (const double x : {terrain_[kChunks / 2 - 1].x() * kScale, terrain_[kChunks / 2 + 1].x() * kScale}) {
    const double base = helipad_y_ * kScale, top = base + 50;
    canvas.Line({x, base}, {x, top}, 1.5, pole);
    const Eigen::Vector2d triangle[3] = {{x, top}, {x, top - 10}, {x + 25, top - 5}};
    canvas.FillPolygon(triangle, flag);
  }
}

}  // namespace pmlab::envs
