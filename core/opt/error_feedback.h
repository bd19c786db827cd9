#pragma once
// Error feedback around a worker's compressor. Not in the paper (it studies momentum without
// it); offered so that researchers can compare the two remedies for compression bias.
//  - kClassic (Seide et al. 2014; Karimireddy et al. 2019): p = e + g, send C(p), e <- p - C(p).
//  - kEf21 (Richtarik et al. 2021): the worker tracks s, sends c = C(g - s) and sets s <- s + c;
//    the server's aggregate is the mean of the s, so the worker's contribution is s itself.
#include <string>
#include <string_view>

namespace pmlab::core {

enum class ErrorFeedback { kNone, kClassic, kEf21 };

/// Parses none | ef | ef21; throws std::invalid_argument naming what is allowed.
/// none | ef | ef21; throws std::invalid_argument naming what is allowed.
ErrorFeedback ParseErrorFeedback(std::string_view spec);
std::string ToString(ErrorFeedback feedback);

}  // namespace pmlab::core
