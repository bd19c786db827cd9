#include "core/registry/registry.h"

#include <algorithm>

namespace pmlab {
namespace {

// Registries are function-local statics of their libraries, so they announce themselves here
// when first used rather than being listed.
std::vector<const RegistryBase*>& All() {
  static std::vector<const RegistryBase*> all;
  return all;
}

thread_local std::vector<ComponentUse>* recording = nullptr;

}  // namespace

RegistryBase::RegistryBase(std::string kind, std::string title, std::string where)
    : kind_(std::move(kind)), title_(std::move(title)), where_(std::move(where)) {
  All().push_back(this);
}

std::string RegistryBase::Names() const {
  std::string names;
  for (const ComponentInfo& c : List()) names += (names.empty() ? "" : ", ") + c.name;
  return names.empty() ? "none" : names;
}

void RegistryBase::NoteUse(const std::string& name) const {
  if (!recording) return;
  const ComponentUse use{kind_, name};
  if (std::find(recording->begin(), recording->end(), use) == recording->end()) recording->push_back(use);
}

std::vector<const RegistryBase*> Registries() { return All(); }

const RegistryBase* RegistryOf(std::string_view kind) {
  for (const RegistryBase* r : All())
    if (r->kind() == kind) return r;
  return nullptr;
}

std::vector<ComponentUse> RecordedUses() { return recording ? *recording : std::vector<ComponentUse>{}; }

RecordUses::RecordUses(std::vector<ComponentUse>& uses) : previous_(recording) { recording = &uses; }
RecordUses::~RecordUses() { recording = previous_; }

void RequireRegistered(const std::vector<ComponentUse>& uses, const std::string& what) {
  for (const ComponentUse& use : uses) {
    const RegistryBase* registry = RegistryOf(use.kind);
    if (registry && registry->Has(use.name)) continue;
    throw std::runtime_error(what + " uses the " + use.kind + " '" + use.name + "', which this program does not register" +
                             (registry ? " (its " + use.kind + "s: " + registry->Names() + ")" : "") +
                             "; continue it with the program that registered it");
  }
}

}  // namespace pmlab
