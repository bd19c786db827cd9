#pragma once
// The part of a run kind that is the same for every kind whose config is a struct of flags:
// starting a run, writing its config.toml exactly, and resuming from the stored config. A kind
// derives from TypedRunKind<ItsConfig> and supplies its flags, its problem and its evaluation.
#include <iostream>
#include <string>

#include "core/run/run_directory.h"
#include "runners/run_flags.h"
#include "runners/run_kind.h"

namespace pmlab::runners {

template <typename Config>
class TypedRunKind : public RunKind {
 public:
  explicit TypedRunKind(core::RunKindInfo info) : info_(std::move(info)) {}

  const core::RunKindInfo& info() const override { return info_; }

  CLI::App* AddCommand(CLI::App& app) override {
    config_ = Config{};  // a fresh command line starts from the defaults
    CLI::App* command = AddFlags(app, config_);
    // After the command line and its config file are in (not when a stored config.toml is read).
    command->callback([this, &app, command] {
      const CLI::Option* file = app.get_config_ptr();
      try {
        Resolve(*command, config_, file && file->count() > 0);
      } catch (const std::invalid_argument& e) {
        throw CLI::ValidationError(e.what());
      }
    });
    return command;
  }

  void Check() const override {
    config_.Validate();
    CheckConfig(config_);
  }

  // Start and Resume record the registered components the run builds, for its checkpoints.
  int Start() override {
    Check();
    std::vector<ComponentUse> uses;
    const RecordUses record(uses);
    if (config_.out.empty()) config_.out = DefaultOut(info_.command);
    // Every resolved value, so the file repeats the run exactly (the output folder included:
    // override it with --out when re-running).
    return core::StartRun(config_, info_, Toml(config_), StartProblem(config_), std::cerr);
  }

  int Resume(const ResumeRequest& r, core::RunCheckpoint from, const std::filesystem::path& checkpoint) override {
    std::vector<ComponentUse> uses;
    const RecordUses record(uses);
    Config config = Parse(from.config_toml);
    if (r.iters > 0) config.ExtendTo(r.iters);
    if (r.threads >= 0) config.threads = r.threads;
    config.quiet = config.quiet || r.quiet;
    config.out = core::RunDirectoryOf(checkpoint).string();
    // config.toml and later checkpoints record the new length and thread count.
    return core::ResumeRun(config, info_, Toml(config), std::move(from), checkpoint, Problem(config), std::cerr);
  }

  std::string Identity(const std::string& config_toml) const override {
    Config config = Parse(config_toml);
    config.iters = 1;
    config.threads = 0;
    config.quiet = false;
    config.out.clear();
    return Toml(config);
  }

  /// config.toml text of `config`, and back.
  std::string Toml(const Config& config) const { return ConfigToml<Config>(config, Adder(), info_.command); }
  Config Parse(const std::string& toml) const { return ParseConfigToml<Config>(toml, Adder(), info_.command); }

 protected:
  /// Adds the subcommand with its flags bound to `config`.
  virtual CLI::App* AddFlags(CLI::App& app, Config& config) const = 0;
  /// The checks of a config that its problem makes before building anything, so that a sweep
  /// refuses a bad run before it starts; a kind without such checks leaves them to Problem.
  virtual void CheckConfig(const Config& /*config*/) const {}
  /// The problem of a config, built when the run starts or resumes.
  virtual core::MakeProblem Problem(const Config& config) const = 0;
  /// The problem of a new run: Problem, unless the kind's starting point comes from elsewhere
  /// (a meta run's --init-from), which a resume, starting from its checkpoint, does not read.
  virtual core::MakeProblem StartProblem(const Config& config) const { return Problem(config); }
  /// Settles what a command line left to the kind once it is parsed (rl's presets); `command`
  /// has the flags bound to `config`, and `config_file` says whether --config was given.
  /// Throws std::invalid_argument naming the flag.
  virtual void Resolve(CLI::App& /*command*/, Config& /*config*/, bool /*config_file*/) const {}

 private:
  AddFlagsFn<Config> Adder() const {
    return [this](CLI::App& app, Config& config) { return AddFlags(app, config); };
  }

  core::RunKindInfo info_;
  Config config_;
};

}  // namespace pmlab::runners
