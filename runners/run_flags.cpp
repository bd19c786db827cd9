#include "runners/run_flags.h"

#include <cmath>
#include <ctime>

#include "core/opt/exact_number.h"

namespace pmlab::runners {
namespace {

// A number for which `ok` holds; otherwise "value X <allowed>".
CLI::Validator NumberWhere(bool (*ok)(double), const std::string& allowed, const std::string& name) {
  return CLI::Validator(
      [ok, allowed](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const double v = std::stod(text, &used);
          if (used == text.size() && ok(v)) return {};
        } catch (const std::exception&) {
        }
        return "value " + text + " " + allowed;
      },
      name);
}

}  // namespace

const CLI::Validator kPositive =
    NumberWhere([](double v) { return v > 0.0 && std::isfinite(v); }, "must be a finite number > 0", "> 0");

const CLI::Validator kNonNegative =
    NumberWhere([](double v) { return v >= 0.0 && std::isfinite(v); }, "must be a finite number >= 0", ">= 0");

void RefuseEmptyText(CLI::App& app) {
  static const CLI::Validator non_empty(
      [](std::string& text) -> std::string { return text.empty() ? "must not be empty (leave the option out for its default)" : ""; }, "");
  for (CLI::Option* option : app.get_options())
    if (option->get_type_name() == "TEXT") option->check(non_empty);
  for (CLI::App* sub : app.get_subcommands({})) RefuseEmptyText(*sub);
}

void UsePmlabOptionDefaults(CLI::App& app) {
  app.option_defaults()->always_capture_default()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

CLI::Option* AddSwitch(CLI::App* cmd, const std::string& name, bool& target, const std::string& help) {
  const auto parse = [](const std::string& text) {
    if (text == "true" || text == "1") return true;
    if (text == "false" || text == "0") return false;
    throw std::invalid_argument("'" + text + "' is not true or false");
  };
  return AddParsed(cmd, name, target, parse, [](bool b) { return std::string(b ? "true" : "false"); }, help)->type_name("true|false");
}

std::uint64_t ParseSeed(const std::string& text) {
  const auto v = core::ParseUnsigned(text);
  if (!v) throw std::invalid_argument("'" + text + "' is not a seed (a whole number from 0 to 18446744073709551615)");
  return *v;
}

CLI::Option* AddSeed(CLI::App* cmd, const std::string& name, std::uint64_t& target, const std::string& help) {
  return AddParsed(cmd, name, target, &ParseSeed, [](std::uint64_t s) { return std::to_string(s); }, help)->type_name("UINT64");
}

CLI::Option* AddNumber(CLI::App* cmd, const std::string& name, double& target, const std::string& help) {
  const auto parse = [](const std::string& text) {
    const auto v = core::ParseNumber(text);
    if (!v) throw std::invalid_argument("'" + text + "' is not a number");
    return *v;
  };
  return AddParsed(cmd, name, target, parse, &core::FormatNumber, help)->type_name("FLOAT");
}

std::string RunFooter(const std::string& command, const std::string& writes, const std::vector<const RegistryBase*>& registries) {
  std::string footer = "--config FILE reads these options from a TOML file with a [" + command + "] section, such as a run's\n"
                       "RUN_DIR/config.toml; flags on the command line override it, and a flag given twice takes\n"
                       "the last value.\n" + writes +
                       "Exit codes: 0 done, 1 runtime failure, 2 bad usage, 3 diverged (NaN/Inf).\n\n"
                       "Registered components, written NAME, NAME:VALUE (its one parameter) or NAME(KEY=VALUE,...):\n";
  std::vector<const RegistryBase*> listed = registries;
  listed.insert(listed.end(), {&core::ServerRules(), &core::Compressors(), &core::Clippers(), &core::FeedbackRules()});  // AddRunFlags's
  for (const RegistryBase* registry : listed) footer += "\n" + ComponentListing(*registry);
  return footer;
}

std::string ParameterLines(const std::vector<ParameterInfo>& parameters, const std::string& indent) {
  std::string out;
  for (const ParameterInfo& p : parameters) {
    const std::string assignment = p.default_value.empty() ? p.name + " (required)" : p.name + "=" + p.default_value;
    out += indent + assignment + std::string(assignment.size() < 23 ? 25 - assignment.size() : 2, ' ') + p.help + "\n";
  }
  return out;
}

std::string ComponentListing(const RegistryBase& registry, bool brief) {
  std::string out = registry.title() + " (" + registry.where() + "):\n";
  for (const ComponentInfo& c : registry.List()) {
    out += "  " + c.name + std::string(c.name.size() < 25 ? 27 - c.name.size() : 2, ' ') + c.summary + "\n";
    if (!brief) out += ParameterLines(c.parameters, "    ");
  }
  return out;
}

CLI::Validator Registered(const RegistryBase& registry) {
  return CLI::Validator(
      [&registry](std::string& text) -> std::string {
        try {
          registry.Check(text);
        } catch (const std::invalid_argument& e) {
          return e.what();
        }
        return {};
      },
      "SPEC", registry.kind());
}

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> items;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) items.push_back(item);
  return items;
}

std::string DefaultOut(const std::string& command) {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return "runs/" + command + "-" + stamp;
}

void AddRunFlags(CLI::App* t, core::RunOptions& c, const std::string& eval_help) {
  t->add_option("--iters", c.iters, "Iterations (rounds) to run")->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))->group("Method");
  t->add_option("--server", c.momentum.server,
                "Server optimiser, a registered rule (listed below): momentum (the paper's; --beta, --nesterov), adam, rmsprop, "
                "adam(beta1=0.9,beta2=0.999,eps=1e-8), ...")
      ->check(Registered(core::ServerRules()))->group("Method");
  AddNumber(t, "--lr", c.momentum.lr, "Step size gamma > 0 (every server rule's)")->group("Method");
  AddNumber(t, "--beta", c.momentum.beta, "Momentum's weight of the new gradient in v = (1-beta) v + beta g, in (0, 1]; 1 = biased GD, 0.1 = momentum 0.9 (--server momentum or --momentum-at worker)")
      ->group("Method");
  // CLI11 does not capture a flag's default; config files need the current value.
  t->add_flag("--nesterov", c.momentum.nesterov, "Nesterov's variant: step along beta g + (1-beta) v")
      ->default_str(c.momentum.nesterov ? "true" : "false")->group("Method");
  AddParsed(t, "--momentum-at", c.momentum.placement, &core::ParseMomentumPlacement,
            [](core::MomentumPlacement p) { return core::ToString(p); },
            "server (the paper) or worker (each worker keeps v before its transform)")
      ->group("Method");
  AddParsed(t, "--schedule", c.momentum.schedule, &core::StepSchedule::Parse, [](const core::StepSchedule& s) { return s.Spec(); },
            "Step size schedule: constant, cosine (over --iters; such a run cannot be extended), step:EVERY:FACTOR")
      ->group("Method");
  t->add_option("--compress", c.transform.compress,
                 "Worker compressor, a registered one (listed below): none, topk:F|K, randk:F|K (unbiased), randk-biased:F|K, sign, "
                 "qsgd:S, ... F with a '.' is a fraction of d, K a count")
      ->check(Registered(core::Compressors()))->group("Biased operators");
  t->add_option("--clip", c.transform.clip, "Worker clipping before compression, a registered clipper (listed below): none, norm:TAU (the paper), value:TAU, ...")
      ->check(Registered(core::Clippers()))->group("Biased operators");
  t->add_option("--error-feedback", c.transform.error_feedback, "Error feedback around the compressor, a registered rule (listed below): none, ef (classic), ef21, ...")
      ->check(Registered(core::FeedbackRules()))->group("Biased operators");

  AddSeed(t, "--seed", c.seed, "Run seed (data, initialisation, worker streams), 0 to 2^64 - 1")->group("Run");
  t->add_option("--threads", c.threads, "Threads (0 = all cores); never changes results")->check(CLI::Range(0, 1024))->group("Run");
  t->add_option("--eval-every", c.eval_every, eval_help)->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40))->group("Run");
  t->add_option("--out", c.out, "Run folder to create (default runs/" + t->get_name() + "-DATE-TIME)")->group("Run");
  t->add_option("--checkpoint-every", c.checkpoint_every, "Checkpoint every N iterations and at the end (0 = only at the end)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40))->group("Run");
  t->add_option("--keep-checkpoints", c.keep_checkpoints, "Newest checkpoints kept in RUN_DIR/checkpoints")
      ->check(CLI::Range(1, 1000000))->group("Run");
  t->add_flag("--quiet", c.quiet, "No progress lines")->default_str(c.quiet ? "true" : "false")->group("Run");
}

}  // namespace pmlab::runners
