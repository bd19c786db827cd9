#pragma once
// Components by name: the worker operators (clippers, compressors, error-feedback rules), train
// problems, meta task families, environments, their task families, RL estimators. A component
// registers once, from its own file, with PMLAB_REGISTER; pmlab's built-ins and a researcher's
// additions register the same way, and the command line only ever looks components up here,
// so adding one edits no list.
//
// A component is written "name", "name(key=value,...)" or "name:value" (short for the one
// parameter of a component that has exactly one). Registering takes two functions in one: a
// *binder* that reads the parameters (cheap, no data touched) and returns the *builder* that
// makes the component. Binding alone validates a spec at parse time and lists the parameters
// with their defaults, so the listing is always what the binder reads.
#include <algorithm>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/registry/spec.h"

namespace pmlab {

/// What a listing shows of one registered component.
struct ComponentInfo {
  std::string name;  ///< as written in specs
  std::string summary;                    ///< one line, from the registering file
  std::vector<ParameterInfo> parameters;  ///< with their defaults
};

/// One component a run used: the kind of registry and the registered name.
struct ComponentUse {
  std::string kind;  ///< "compressor", "problem", ...
  std::string name;  ///< the registered name
  /// Same kind and name.
  friend bool operator==(const ComponentUse&, const ComponentUse&) = default;
};

/// What every registry shares, for listings and for checking a checkpoint's components.
class RegistryBase {
 public:
  /// `kind` names one component in messages and checkpoints ("compressor", never changed);
  /// `title` heads listings ("Compressors"); `where` says where one is chosen ("--compress").
  RegistryBase(std::string kind, std::string title, std::string where);
  virtual ~RegistryBase() = default;
  RegistryBase(const RegistryBase&) = delete;
  RegistryBase& operator=(const RegistryBase&) = delete;

  /// One component's kind, as messages and checkpoints name it.
  const std::string& kind() const { return kind_; }
  /// The heading of its listing.
  const std::string& title() const { return title_; }
  /// Where one is chosen on the command line.
  const std::string& where() const { return where_; }
  /// Every registered component, by name.
  virtual std::vector<ComponentInfo> List() const = 0;
  /// Whether `name` is registered.
  virtual bool Has(std::string_view name) const = 0;
  /// Throws std::invalid_argument unless `spec` names a registered component with valid
  /// parameters; builds nothing.
  virtual void Check(const std::string& spec) const = 0;
  /// "a, b, c": the registered names, for error messages.
  std::string Names() const;

 protected:
  /// Notes that a run being set up uses `name` (see RecordUses).
  void NoteUse(const std::string& name) const;

 private:
  std::string kind_, title_, where_;
};

/// Every registry of the program, in the order they were first used.
std::vector<const RegistryBase*> Registries();
/// The registry of `kind`, or null.
const RegistryBase* RegistryOf(std::string_view kind);

/// While it lives, the components this thread builds are appended to `uses` (each once), so a
/// run's setup records what it used without naming it.
class RecordUses {
 public:
  /// Records into `uses` until destroyed.
  explicit RecordUses(std::vector<ComponentUse>& uses);
  ~RecordUses();
  RecordUses(const RecordUses&) = delete;
  RecordUses& operator=(const RecordUses&) = delete;

 private:
  std::vector<ComponentUse>* previous_;
};

/// What the innermost RecordUses of this thread has recorded so far (empty without one).
std::vector<ComponentUse> RecordedUses();

/// Throws std::runtime_error naming the first of `uses` this program has not registered, and
/// what it has, when `what` ("checkpoint 'runs/a/ckpt-000010.pmlab'") needs them.
void RequireRegistered(const std::vector<ComponentUse>& uses, const std::string& what);

template <typename Signature>
class Registry;

/// A registry of components built as `Product` from `Args`.
template <typename Product, typename... Args>
class Registry<Product(Args...)> final : public RegistryBase {
 public:
  /// Makes one component from the arguments of the registry.
  using Builder = std::function<Product(Args...)>;
  /// Reads a spec's parameters and returns the builder.
  using Binder = std::function<Builder(Spec&)>;

  using RegistryBase::RegistryBase;

  /// Adds a component; throws std::logic_error if the name is taken.
  bool Add(std::string name, std::string summary, Binder bind) {
    if (Has(name)) throw std::logic_error(kind() + " '" + name + "' is registered twice");
    Spec described(name, {}, true);
    bind(described);
    const auto at = std::lower_bound(entries_.begin(), entries_.end(), name, [](const Entry& e, const std::string& n) { return e.info.name < n; });
    entries_.insert(at, Entry{{std::move(name), std::move(summary), described.infos()}, std::move(bind)});
    return true;
  }

  /// Binds `spec` and returns its builder. Throws std::invalid_argument naming an unknown
  /// component, parameter or value, and what is allowed.
  Builder Bind(const std::string& spec) const {
    auto [name, values] = ParseSpec(spec);
    return Bind(name, std::move(values));
  }
  /// Binds the values of a spec already parsed (ParseSpec).
  Builder Bind(const std::string& name, std::map<std::string, std::string> values) const {
    const Entry& entry = Get(name);
    if (const auto bare = values.find(""); bare != values.end()) {
      // "name:value": the value of the component's only parameter.
      if (entry.info.parameters.empty()) throw std::invalid_argument(name + " takes no parameter");
      if (entry.info.parameters.size() > 1)
        throw std::invalid_argument(name + " has " + std::to_string(entry.info.parameters.size()) +
                                    " parameters; write them " + name + "(key=value,...)");
      values.emplace(entry.info.parameters.front().name, bare->second);
      values.erase(bare);
    }
    Spec bound(name, std::move(values));
    Builder build = entry.bind(bound);
    bound.RefuseLeftovers();
    NoteUse(name);
    return build;
  }

  /// Binds and builds `spec` at once.
  Product Make(const std::string& spec, Args... args) const { return Bind(spec)(std::forward<Args>(args)...); }

  std::vector<ComponentInfo> List() const override {
    std::vector<ComponentInfo> out;
    for (const Entry& e : entries_) out.push_back(e.info);
    return out;
  }
  /// Whether `name` is registered.
  bool Has(std::string_view name) const override { return Find(name) != nullptr; }
  void Check(const std::string& spec) const override { Bind(spec); }
  /// The listing of `name`, or null.
  const ComponentInfo* Find(std::string_view name) const {
    const Entry* entry = EntryOf(name);
    return entry ? &entry->info : nullptr;
  }

 private:
  struct Entry {
    ComponentInfo info;
    Binder bind;
  };
  const Entry* EntryOf(std::string_view name) const {
    for (const Entry& e : entries_)
      if (e.info.name == name) return &e;
    return nullptr;
  }
  const Entry& Get(const std::string& name) const {
    if (const Entry* entry = EntryOf(name)) return *entry;
    throw std::invalid_argument("unknown " + kind() + " '" + name + "' (registered: " + Names() + ")");
  }
  std::vector<Entry> entries_;
};

}  // namespace pmlab

#define PMLAB_REGISTRY_CONCAT_(a, b) a##b
#define PMLAB_REGISTRY_CONCAT(a, b) PMLAB_REGISTRY_CONCAT_(a, b)

/// Registers a component when the program starts: PMLAB_REGISTER(registry, "name", "summary",
/// binder), where `registry` is the accessor of a registry (pmlab::core::Compressors(), ...).
#define PMLAB_REGISTER(registry, name, summary, ...)                                                  \
  [[maybe_unused]] static const bool PMLAB_REGISTRY_CONCAT(pmlab_registered_, __LINE__) = \
      (registry).Add(name, summary, __VA_ARGS__)
