#pragma once
// A kind of run (train, meta, and the next ones): the subcommand that starts it, and what
// `resume`, `eval` and `inspect` need to continue, evaluate and name its checkpoints. Each
// kind lives in a file of its own and registers itself once with PMLAB_REGISTER_RUN_KIND; the
// command line and the checkpoint commands only ever see the registry, so adding a kind edits
// no list. The id a kind registers is written into its checkpoints' headers: it never changes.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/run/run_checkpoint.h"
#include "core/run/run_session.h"

namespace pmlab::runners {

/// What `pmlab resume` may change about a run: its length, threads and verbosity.
struct ResumeRequest {
  std::string target;   ///< run folder (newest checkpoint) or checkpoint file
  long long iters = 0;  ///< new total iterations; 0 keeps the run's
  int threads = -1;     ///< threads; -1 keeps the run's (never changes results)
  bool quiet = false;
};

/// The flags of `pmlab eval` that every kind shares.
struct EvalRequest {
  std::string target;  ///< run folder (newest checkpoint) or checkpoint file
  bool json = false;   ///< one JSON object instead of text
};

/// How a kind adds its own flags to `pmlab eval`. Two kinds may ask for the same flag (both
/// read data from a --data-dir): it is added once and sets both kinds' fields.
class EvalFlags {
 public:
  explicit EvalFlags(CLI::App* eval) : eval_(eval) {}

  /// Adds (or joins) the option `name`; `group` is the kind's, e.g. "Meta runs".
  template <typename T>
  void Add(const std::string& name, T& target, const std::string& help, const std::string& group) {
    AddSetter<T>(name, [&target](const T& value) { target = value; }, help, group);
  }
  /// The same for an option whose absence means something ("the run's own"): it stays empty
  /// unless given, so that no value typed can be mistaken for its absence.
  template <typename T>
  void Add(const std::string& name, std::optional<T>& target, const std::string& help, const std::string& group) {
    AddSetter<T>(name, [&target](const T& value) { target = value; }, help, group);
  }
  /// Adds (or joins) the flag `name`.
  void AddFlag(const std::string& name, bool& target, const std::string& help, const std::string& group);

 private:
  template <typename T>
  void AddSetter(const std::string& name, std::function<void(const T&)> set, const std::string& help, const std::string& group) {
    std::vector<std::function<void(const std::string&)>>& setters = setters_[name];
    setters.push_back([set, name](const std::string& text) {
      T value{};
      if (!CLI::detail::lexical_cast(text, value))
        throw CLI::ValidationError(name, "'" + text + "' cannot be read as " + CLI::detail::type_name<T>());
      set(value);
    });
    if (setters.size() > 1) return;
    eval_->add_option_function<std::string>(name, [this, name](const std::string& text) {
      for (const auto& s : setters_[name]) s(text);
    }, help)->group(group)->type_name(CLI::detail::type_name<T>());
  }

  CLI::App* eval_;
  std::map<std::string, std::vector<std::function<void(const std::string&)>>> setters_;
};

class RunKind {
 public:
  virtual ~RunKind() = default;

  virtual const core::RunKindInfo& info() const = 0;
  /// Adds the subcommand with its flags, bound to this object's config.
  virtual CLI::App* AddCommand(CLI::App& app) = 0;
  /// Validates the config the last parse of AddCommand's subcommand filled, as a run does
  /// before anything is built or written (std::invalid_argument naming the flag): what
  /// pmlab sweep runs over every run of its grid before it creates its folder.
  virtual void Check() const = 0;
  /// Runs the parsed subcommand; returns the exit code.
  virtual int Start() = 0;
  /// Continues `from`, read from `checkpoint`, with the changes `request` allows. Takes the
  /// record by value: its vectors move into the run instead of staying beside it.
  virtual int Resume(const ResumeRequest& request, core::RunCheckpoint from, const std::filesystem::path& checkpoint) = 0;
  /// What makes a run this run, from its config.toml text: the config without what a resume
  /// may change (length, threads, verbosity, folder). Two checkpoints with the same identity
  /// are checkpoints of the same run, since a run is a pure function of its config.
  virtual std::string Identity(const std::string& config_toml) const = 0;
  /// Adds the `pmlab eval` flags of this kind's checkpoints.
  virtual void AddEvalFlags(EvalFlags& flags) = 0;
  /// Evaluates `from` and prints the result (text, or JSON with request.json).
  virtual int Evaluate(const EvalRequest& request, const core::RunCheckpoint& from, const std::filesystem::path& checkpoint) = 0;
};

/// A checkpoint a user named (a checkpoint file, or a run folder's newest), read, verified, its
/// kind and components registered, and checked to belong to the run of the folder it sits in.
struct TargetCheckpoint {
  std::filesystem::path file;  ///< the checkpoint file
  RunKind* kind = nullptr;  ///< the kind that wrote it
  core::RunCheckpoint record;  ///< its contents
};
/// Throws std::runtime_error (exit 1) naming the file and the problem; when a run folder's
/// newest checkpoint is damaged, the message names the newest intact one to continue from.
TargetCheckpoint OpenTargetCheckpoint(const std::string& target);

/// Throws std::runtime_error if the checkpoint `file`, written by `kind` with the config text
/// `config_toml`, sits in a run folder whose config.toml is of another kind or another run.
void CheckBelongsToFolder(const std::filesystem::path& file, const RunKind& kind, const std::string& config_toml);

/// Adds a kind to the registry; throws std::logic_error if its id or name is taken.
bool RegisterRunKind(std::unique_ptr<RunKind> kind);
/// Every registered kind, by id.
std::vector<RunKind*> RunKinds();
/// The kind that wrote a checkpoint; std::runtime_error naming `checkpoint` and the known kinds.
RunKind& RunKindOf(core::RunKindId id, const std::filesystem::path& checkpoint);
/// The name of a kind, or "unknown (id N)".
std::string RunKindName(core::RunKindId id);

}  // namespace pmlab::runners

/// Registers a default-constructed `Kind` when the program starts.
#define PMLAB_REGISTER_RUN_KIND(Kind) \
  [[maybe_unused]] static const bool pmlab_registered_##Kind = ::pmlab::runners::RegisterRunKind(std::make_unique<Kind>())
