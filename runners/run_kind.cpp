#include "runners/run_kind.h"

#include <algorithm>
#include <stdexcept>

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

std::string RunKindName(core::RunKindId id) {
  for (RunKind* k : RunKinds())
    if (k->info().id == id) return k->info().command;
  return "unknown (id " + std::to_string(id) + ")";
}

}  // namespace pmlab::runners
