#pragma once
// The TOML of pmlab's config files (RUN_DIR/config.toml, --config FILE): one [COMMAND] table of
// the command's flags, one value each. Read strictly with toml++, so that what is not TOML, a
// repeated table, an array where one value belongs or a table of another command is refused
// with the file, the line and the fix; written so that every value reads back to itself.
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace pmlab::runners {

/// CLI11's config reader and writer for pmlab's TOML. `section` gives the [SECTION] a file
/// must hold, asked when the file is read (the command being parsed); `file` names the file in
/// messages. Refusals are CLI::ConfigError (exit 2 on the command line).
class StrictTomlConfig final : public CLI::Config {
 public:
  StrictTomlConfig(std::function<std::string()> section, std::function<std::string()> file)
      : section_(std::move(section)), file_(std::move(file)) {}

  std::string to_config(const CLI::App* app, bool default_also, bool write_description, std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

 private:
  std::function<std::string()> section_;
  std::function<std::string()> file_;
};

/// The `key = value` lines of every option of `cmd` with its current value (the parsed one, or
/// its default), in the order the options were added; strings are quoted and escaped, numbers
/// and true/false written bare where TOML reads them back to the same text.
std::string ConfigTomlBody(const CLI::App& cmd);

/// The name of the one table of a config text (`train` for a file with [train]); throws
/// std::runtime_error naming `file` if the text is not TOML or holds not exactly one table.
std::string ConfigSection(const std::string& text, const std::string& file);

/// A validator for --config: an existing regular file no larger than a config file may be.
CLI::Validator ConfigFile();

}  // namespace pmlab::runners
