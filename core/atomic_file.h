#pragma once
// Files that are either wholly old or wholly new after a crash: write a temporary file in the
// same folder, flush and fsync it, rename it over the target, then fsync the folder so that the
// rename itself is durable.
#include <filesystem>
#include <string_view>

namespace pmlab::core {

/// Throws std::runtime_error naming the file and the system error on failure.
void WriteFileAtomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace pmlab::core
