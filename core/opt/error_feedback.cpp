#include "core/opt/error_feedback.h"

#include <stdexcept>

namespace pmlab::core {

ErrorFeedback ParseErrorFeedback(std::string_view spec) {
  if (spec == "none") return ErrorFeedback::kNone;
  if (spec == "ef") return ErrorFeedback::kClassic;
  if (spec == "ef21") return ErrorFeedback::kEf21;
  throw std::invalid_argument("error feedback '" + std::string(spec) + "' is unknown (allowed: none, ef, ef21)");
}

std::string ToString(ErrorFeedback feedback) {
  switch (feedback) {
    case ErrorFeedback::kNone: return "none";
    case ErrorFeedback::kClassic: return "ef";
    case ErrorFeedback::kEf21: return "ef21";
  }
  return "none";
}

}  // namespace pmlab::core
