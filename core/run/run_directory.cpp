#include "core/run/run_directory.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "core/io/atomic_file.h"

#include <filesystem>

namespace pmlab::core {

RunDirectory RunDirectory::Create(const std::filesystem::path& out, const std::function<void(const RunDirectory& staging)>& fill) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = out.lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "runs/a/" names runs/a
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) throw std::invalid_argument("--out '" + out.string() + "' exists and is not a folder");
    if (fs::exists(dir / "config.toml", ec))
      throw std::invalid_argument("--out '" + out.string() + "' already holds a run; choose another folder, remove it, or continue it with: pmlab resume " + out.string());
    if (!fs::is_empty(dir, ec)) throw std::invalid_argument("--out '" + out.string() + "' exists and is not empty; choose another folder");
  }
  const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (::access(parent.c_str(), W_OK) != 0) throw std::runtime_error("cannot create output folder '" + out.string() + "': '" + parent.string() + "' is not writable");
  const fs::path staging = parent / ("." + dir.filename().string() + ".partial-" + std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  if (!fs::create_directory(staging, ec))
    throw std::runtime_error("cannot create output folder '" + out.string() + "' (staged as '" + staging.string() + "'): " + ec.message());
  try {
    fill(RunDirectory(staging));
    SyncFolder(staging);
    // rename(2) also replaces an empty folder at `dir`.
    fs::rename(staging, dir);
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
  SyncFolder(parent);
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

std::vector<std::pair<std::int64_t, std::filesystem::path>> CheckpointFilesIn(const std::filesystem::path& folder) {
  return List(folder / "checkpoints");
}

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
  const auto found = CheckpointFilesIn(target);
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
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {  // DEL too, which TOML strings may not hold
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
