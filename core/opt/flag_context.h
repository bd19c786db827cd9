#pragma once
// Parsers and constructors say what is wrong with a value; the caller knows which flag (or
// which part of the setup) it came from. Within() puts the two together in one message;
// Require() states a condition on the options.
#include <stdexcept>
#include <string>

namespace pmlab::core {

/// Throws std::invalid_argument(message) unless `ok`: a usage error.
inline void Require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

/// Returns make(); a std::invalid_argument it throws is rethrown as "CONTEXT: MESSAGE".
template <typename F>
auto Within(const std::string& context, F&& make) {
  try {
    return make();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(context + ": " + e.what());
  }
}

}  // namespace pmlab::core
