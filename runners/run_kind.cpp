#include "runners/run_kind.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "core/io/file_text.h"
#include "core/run/run_directory.h"
#include "runners/config_toml.h"

namespace pmlab::runners {
namespace {

std::vector<std::unique_ptr<RunKind>>& Registry() {
  static std::vector<std::unique_ptr<RunKind>> kinds;
  return kinds;
}

}  // namespace

void EvalFlags::AddFlag(const std::string& name, bool& target, const std::string& help, const std::string& group) {
  std::vector<std::function<void(const std::string&)>>& setters = setters_[name];
  setters.push_back([&target](const std::string&) { target = true; });
  if (setters.size() > 1) return;
  eval_->add_flag_callback(name, [this, name] {
    for (const auto& set : setters_[name]) set("true");
  }, help)->group(group);
}

bool RegisterRunKind(std::unique_ptr<RunKind> kind) {
  for (const auto& other : Registry())
    if (other->info().id == kind->info().id || other->info().command == kind->info().command)
      throw std::logic_error("run kind '" + kind->info().command + "' (id " + std::to_string(kind->info().id) +
                             ") clashes with the registered kind '" + other->info().command + "'");
  if (kind->info().id == 0) throw std::logic_error("run kind '" + kind->info().command + "' has id 0, which is reserved");
  Registry().push_back(std::move(kind));
  return true;
}

std::vector<RunKind*> RunKinds() {
  std::vector<RunKind*> kinds;
  for (const auto& k : Registry()) kinds.push_back(k.get());
  std::sort(kinds.begin(), kinds.end(), [](RunKind* a, RunKind* b) { return a->info().id < b->info().id; });
  return kinds;
}

RunKind& RunKindOf(core::RunKindId id, const std::filesystem::path& checkpoint) {
  std::string known;
  for (RunKind* k : RunKinds()) {
    if (k->info().id == id) return *k;
    known += (known.empty() ? "" : ", ") + k->info().command + " (" + std::to_string(k->info().id) + ")";
  }
  throw std::runtime_error("checkpoint '" + checkpoint.string() + "' was written by run kind " + std::to_string(id) +
                           ", which this build of pmlab does not have (it has: " + known + "); use the pmlab that wrote it");
}

void CheckBelongsToFolder(const std::filesystem::path& file, const RunKind& kind, const std::string& config_toml) {
  const std::filesystem::path folder = core::RunDirectoryOf(file);
  const std::filesystem::path config = folder / "config.toml";
  std::error_code error;
  if (!std::filesystem::exists(config, error)) return;  // a checkpoint on its own: nothing to belong to
  const std::string refused = "checkpoint '" + file.string() + "' does not belong to the run in '" + folder.string() + "': ";
  const std::string advice = ". Nothing was changed; use a checkpoint of this run (in " + (folder / "checkpoints").string() +
                             "), or copy the checkpoint into a folder of its own run";
  const std::string text = core::ReadFileText(config, core::kConfigFileLimit, "config file");
  const std::string section = ConfigSection(text, config.string());
  if (section != kind.info().command)
    throw std::runtime_error(refused + "it was written by pmlab " + kind.info().command + ", and the folder holds a run of pmlab " + section +
                             " (its config.toml is [" + section + "])" + advice);
  std::string ours, theirs;
  try {
    ours = kind.Identity(text);
  } catch (const std::exception& e) {
    throw std::runtime_error("the run folder's " + config.string() + " cannot be read: " + e.what());
  }
  theirs = kind.Identity(config_toml);
  if (ours == theirs) return;
  // The first setting in which they differ, for the message.
  std::istringstream a(theirs), b(ours);
  std::string line_a, line_b;
  while (std::getline(a, line_a) && std::getline(b, line_b) && line_a == line_b) {
  }
  throw std::runtime_error(refused + "it comes from another run (its config has " + line_a + " where the folder's config.toml has " +
                           line_b + ")" + advice);
}

TargetCheckpoint OpenTargetCheckpoint(const std::string& target) {
  TargetCheckpoint t;
  t.file = core::ResolveCheckpoint(target);
  try {
    core::CheckpointFile file = core::CheckpointFile::Open(t.file);
    t.kind = &RunKindOf(file.kind(), t.file);
    t.record = core::LoadRunCheckpoint(file);
  } catch (const core::CheckpointError& e) {
    std::error_code error;
    if (!std::filesystem::is_directory(target, error)) throw;
    // The newest is damaged: name the newest older one that is intact.
    const auto all = core::CheckpointFilesIn(target);
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (it->second == t.file) continue;
      try {
        if (core::CheckpointFile::Check(it->second).payload_intact)
          throw std::runtime_error(std::string(e.what()) + ". The older checkpoint " + it->second.string() +
                                   " is intact: continue from it with: pmlab resume " + it->second.string() +
                                   " (or evaluate it with pmlab eval " + it->second.string() + ")");
      } catch (const core::CheckpointError&) {
      }
    }
    throw std::runtime_error(std::string(e.what()) + "; the run has no intact older checkpoint");
  }
  RequireRegistered(t.record.components, "checkpoint '" + t.file.string() + "'");
  CheckBelongsToFolder(t.file, *t.kind, t.record.config_toml);
  return t;
}

std::string RunKindName(core::RunKindId id) {
  for (RunKind* k : RunKinds())
    if (k->info().id == id) return k->info().command;
  return "unknown (id " + std::to_string(id) + ")";
}

}  // namespace pmlab::runners
