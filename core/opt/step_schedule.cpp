#include "core/opt/step_schedule.h"

#include "core/opt/exact_number.h"

#include <charconv>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace pmlab::core {

StepSchedule StepSchedule::Parse(std::string_view spec) {
  const auto fail = [&]() {
    throw std::invalid_argument("schedule '" + std::string(spec) +
                                "' is not valid (allowed: constant, cosine, step:EVERY:FACTOR with EVERY >= 1 and 0 < FACTOR <= 1)");
  };
  if (spec == "constant") return {};
  if (spec == "cosine") return {Kind::kCosine, 0, 1.0};
  if (!spec.starts_with("step:")) fail();
  const std::string_view rest = spec.substr(5);
  const auto colon = rest.find(':');
  if (colon == std::string_view::npos) fail();
  StepSchedule s{Kind::kStep, 0, 1.0};
  const std::string_view every = rest.substr(0, colon), factor = rest.substr(colon + 1);
  auto r1 = std::from_chars(every.data(), every.data() + every.size(), s.every);
  const auto f = ParseNumber(factor);
  if (r1.ec != std::errc() || r1.ptr != every.data() + every.size() || !f || s.every < 1 || !(*f > 0.0 && *f <= 1.0)) fail();
  s.factor = *f;
  return s;
}

std::string StepSchedule::Spec() const {
  switch (kind) {
    case Kind::kConstant: return "constant";
    case Kind::kCosine: return "cosine";
    case Kind::kStep: return "step:" + std::to_string(every) + ":" + FormatNumber(factor);
  }
  return "constant";
}

double StepSchedule::Factor(std::int64_t k, std::int64_t total) const {
  switch (kind) {
    case Kind::kConstant: return 1.0;
    case Kind::kCosine:
      return 0.5 * (1.0 + std::cos(std::numbers::pi * static_cast<double>(k) / static_cast<double>(std::max<std::int64_t>(total, 1))));
    case Kind::kStep: return std::pow(factor, static_cast<double>(k / every));
  }
  return 1.0;
}

}  // namespace pmlab::core
