#pragma once
// Numbers as text that reads back to the same double: every number pmlab writes to a file
// (config.toml, metrics.csv, summary.json, operator specs) goes through FormatNumber, and every
// number it reads from text goes through ParseNumber, so a config replays bit for bit.
// std::to_chars gives the shortest such text; std::from_chars rounds correctly (strtold and a
// cast to double would round twice).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pmlab::core {

/// Shortest decimal text that reads back as exactly `value` ("nan", "inf", "-inf" otherwise).
std::string FormatNumber(double value);

/// `text` as a double if all of it is a number (also "inf" and "nan"); nullopt otherwise.
std::optional<double> ParseNumber(std::string_view text);

/// A whole number from 0 to 2^64 - 1 written in decimal digits only (no sign, no exponent): a
/// seed. Nothing for anything else, so that -1 or 2^64 is refused instead of wrapping around.
std::optional<std::uint64_t> ParseUnsigned(std::string_view text);

}  // namespace pmlab::core
