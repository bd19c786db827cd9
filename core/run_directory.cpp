#include "core/run_directory.h"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "core/atomic_file.h"

namespace pmlab::core {

RunDirectory RunDirectory::Create(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) throw std::invalid_argument("--out '" + dir.string() + "' exists and is not a folder");
    for (const char* name : {"metrics.csv", "config.toml", "summary.json"})
      if (fs::exists(dir / name, ec))
        throw std::invalid_argument("--out '" + dir.string() + "' already holds a run; choose another folder or remove it");
  } else if (!fs::create_directories(dir, ec)) {
    throw std::runtime_error("cannot create output folder '" + dir.string() + "': " + ec.message());
  }
  if (::access(dir.c_str(), W_OK) != 0) throw std::runtime_error("output folder '" + dir.string() + "' is not writable");
  return RunDirectory(dir);
}

void RunDirectory::WriteConfig(std::string_view toml) const { WriteFileAtomically(Config(), toml); }

void RunDirectory::WriteSummary(std::string_view json) const { WriteFileAtomically(Summary(), json); }

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace pmlab::core
