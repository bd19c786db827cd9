#include <cereal/archives/json.hpp>

#include <iostream>
#include <optional>

#include "core/io/checkpoint_file.h"
#include "core/run/run_directory.h"
#include "core/run/run_checkpoint.h"
#include "runners/commands.h"

namespace pmlab::runners {
namespace {

// What inspect reports; serialised as JSON with --json.
struct Report {
  std::string file;
  std::uint64_t file_bytes = 0;
  std::uint32_t format = 0;
  std::string run_kind;
  std::uint32_t run_kind_id = 0;
  std::uint64_t payload_bytes = 0;
  std::uint32_t payload_crc = 0;
  bool checksum_ok = false;
  std::string problem;  ///< why the payload is unusable, if it is
  std::optional<core::RunCheckpoint> run;

  // "compressor topk, problem fmnist": the registered components the run was built from.
  static std::string ComponentsText(const std::vector<ComponentUse>& uses) {
    std::string text;
    for (const ComponentUse& use : uses) text += (text.empty() ? "" : ", ") + use.kind + " " + use.name;
    return text.empty() ? "(not recorded)" : text;
  }

  template <class Archive>
  void save(Archive& ar) const {
    ar(CEREAL_NVP(file), CEREAL_NVP(file_bytes), CEREAL_NVP(format), CEREAL_NVP(run_kind), CEREAL_NVP(run_kind_id), CEREAL_NVP(payload_bytes),
       CEREAL_NVP(payload_crc), CEREAL_NVP(checksum_ok));
    if (!problem.empty()) ar(CEREAL_NVP(problem));
    if (run) {
      ar(cereal::make_nvp("iteration", run->state.iteration), cereal::make_nvp("parameters", run->state.x.size()),
         cereal::make_nvp("workers", run->workers.size()),
         cereal::make_nvp("error_feedback_memory", !run->workers.empty() && run->workers[0].feedback.size() > 0),
         cereal::make_nvp("worker_momentum", !run->workers.empty() && run->workers[0].momentum.size() > 0),
         cereal::make_nvp("problem_state_bytes", run->problem_state.bytes.size()),
         cereal::make_nvp("problem_state_version", run->problem_state.version),
         cereal::make_nvp("components", ComponentsText(run->components)), cereal::make_nvp("config", run->config_toml));
    }
  }
};

}  // namespace

CLI::App* AddInspectCommand(CLI::App& app, InspectConfig& c) {
  CLI::App* cmd = app.add_subcommand("inspect", "Show a checkpoint's header, checksum status, sizes and config");
  cmd->add_option("target", c.target, "Checkpoint file, or run folder (its newest checkpoint)")->required();
  cmd->add_flag("--json", c.json, "Print one JSON object");
  cmd->footer("Exit code 0 when the checkpoint is intact, 1 when it is damaged or unreadable.");
  return cmd;
}

int RunInspectCommand(const InspectConfig& c) {
  const std::filesystem::path path = core::ResolveCheckpoint(c.target);
  const core::CheckpointFile::Status status = core::CheckpointFile::Check(path);  // throws if the header is bad
  Report report{path.string(), status.file_bytes, status.header.format, RunKindName(status.header.kind), status.header.kind,
                status.header.payload_bytes, status.header.payload_crc, status.payload_intact, status.problem, std::nullopt};
  if (status.payload_intact) {
    try {
      report.run = core::LoadRunCheckpoint(path);
      for (RunKind* kind : RunKinds())
        if (kind->info().id == status.header.kind) CheckBelongsToFolder(path, *kind, report.run->config_toml);
    } catch (const std::runtime_error& e) {  // a damaged record, or one of another run than its folder's
      report.problem = e.what();
    }
  }
  if (c.json) {
    {
      cereal::JSONOutputArchive ar(std::cout);
      report.save(ar);
    }
    std::cout << "\n";
  } else {
    std::cout << "file        " << report.file << " (" << report.file_bytes << " bytes)\n"
              << "format      " << report.format << " (this build reads up to " << core::kCheckpointFormat << ")\n"
              << "run kind    " << report.run_kind << " (id " << report.run_kind_id << ")\n"
              << "payload     " << report.payload_bytes << " bytes, crc32 " << std::hex << report.payload_crc << std::dec
              << ", checksum " << (report.checksum_ok ? "OK" : "MISMATCH") << "\n";
    if (!report.problem.empty()) std::cout << "problem     " << report.problem << "\n";
    if (report.run) {
      const auto& t = *report.run;
      std::cout << "iteration   " << t.state.iteration << "\n"
                << "parameters  " << t.state.x.size() << "\n"
                << "workers     " << t.workers.size() << " (error-feedback memory: "
                << (!t.workers.empty() && t.workers[0].feedback.size() ? "yes" : "no")
                << ", worker momentum: " << (!t.workers.empty() && t.workers[0].momentum.size() ? "yes" : "no") << ")\n"
                << "state       " << t.problem_state.bytes.size() << " bytes of problem-owned state";
      if (!t.problem_state.bytes.empty()) std::cout << " (version " << t.problem_state.version << ")";
      std::cout << "\n"
                << "components  " << Report::ComponentsText(t.components) << "\n"
                << "config\n" << t.config_toml;
    }
  }
  return report.checksum_ok && report.problem.empty() ? 0 : 1;
}

}  // namespace pmlab::runners
