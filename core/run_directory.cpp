#include "core/run_directory.h"

#include <unistd.h>

#include <algorithm>
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

RunDirectory RunDirectory::Open(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir / "config.toml", ec))
    throw std::runtime_error("'" + dir.string() + "' does not hold a pmlab run (no config.toml)");
  if (::access(dir.c_str(), W_OK) != 0) throw std::runtime_error("run folder '" + dir.string() + "' is not writable");
  return RunDirectory(dir);
}

std::filesystem::path RunDirectory::CheckpointFor(std::int64_t iteration) const {
  char name[40];
  std::snprintf(name, sizeof name, "ckpt-%06lld.pmlab", static_cast<long long>(iteration));
  return Checkpoints() / name;
}

namespace {
// ckpt-000130.pmlab -> 130; anything else -> -1.
std::int64_t IterationOf(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  if (!name.starts_with("ckpt-") || !name.ends_with(".pmlab")) return -1;
  const std::string digits = name.substr(5, name.size() - 11);
  if (digits.empty() || digits.size() > 15 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(digits);
}

std::vector<std::pair<std::int64_t, std::filesystem::path>> List(const std::filesystem::path& dir) {
  std::vector<std::pair<std::int64_t, std::filesystem::path>> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (const std::int64_t k = IterationOf(entry.path()); k >= 0 && entry.is_regular_file(ec)) found.emplace_back(k, entry.path());
  std::sort(found.begin(), found.end());
  return found;
}
}  // namespace

std::vector<std::pair<std::int64_t, std::filesystem::path>> RunDirectory::ListCheckpoints() const { return List(Checkpoints()); }

void RunDirectory::PruneCheckpoints(int keep) const {
  const auto all = ListCheckpoints();
  std::error_code ec;
  for (std::size_t i = 0; i + static_cast<std::size_t>(std::max(keep, 1)) < all.size(); ++i) std::filesystem::remove(all[i].second, ec);
}

std::vector<std::int64_t> RunDirectory::DropCheckpointsAfter(std::int64_t iteration) const {
  std::vector<std::int64_t> dropped;
  std::error_code ec;
  for (const auto& [k, file] : ListCheckpoints())
    if (k > iteration && std::filesystem::remove(file, ec)) dropped.push_back(k);
  return dropped;
}

std::filesystem::path ResolveCheckpoint(const std::filesystem::path& target) {
  std::error_code ec;
  if (!std::filesystem::exists(target, ec)) throw std::runtime_error("'" + target.string() + "' does not exist");
  if (!std::filesystem::is_directory(target, ec)) return target;
  const auto found = List(target / "checkpoints");
  if (found.empty())
    throw std::runtime_error("'" + target.string() + "' holds no checkpoints (a run writes checkpoints/ckpt-N.pmlab every --checkpoint-every rounds)");
  return found.back().second;
}

std::filesystem::path RunDirectoryOf(const std::filesystem::path& checkpoint) {
  const std::filesystem::path folder = std::filesystem::absolute(checkpoint).parent_path();
  return folder.filename() == "checkpoints" ? folder.parent_path() : folder;
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
