#pragma once
// A sweep file: which pmlab command to run, its base options, the axes whose values it varies
// (the runs are their grid product) and the levels the report counts iterations to. Read with
// toml++, so that a refused file names its line:
//
//   command = "train"
//   [base]
//   workers = 100
//   lr = 0.7
//   [axes]
//   beta = [0.1, 1.0]
//   compress = ["topk:0.02", "topk:0.05"]
//   seed = [0, 1, 2]
//   [report]
//   loss_levels = [1.0, 0.7, 0.5]
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace pmlab::sweep {

/// A sweep file that cannot be used; what() is "FILE:LINE: what is wrong, and the fix".
class SweepFileError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// One option of the file as the command line takes it: `name` without dashes ("inner-lr"; a
/// key written inner_lr reads the same), each value as text ("0.1", "topk:0.02", "true").
struct SweepOption {
  std::string name;
  std::vector<std::string> values;  ///< base options: exactly one
  int line = 0;                     ///< where the file sets it
};

/// Levels that pmlab report and summary.csv count the first iteration to.
struct ReportLevels {
  std::vector<double> train_loss;     ///< [report] loss_levels: train_loss <= level
  std::vector<double> test_loss;      ///< [report] test_loss_levels: test_loss <= level
  std::vector<double> test_accuracy;  ///< [report] accuracy_levels: test_accuracy >= level
};

struct SweepFile {
  std::filesystem::path path;  ///< for messages
  std::string text;            ///< as read: a new sweep keeps it as SWEEP/sweep.toml
  std::string command;         ///< train, meta or rl
  int command_line = 0;
  std::vector<SweepOption> base;
  std::vector<SweepOption> axes;  ///< in the file's order; the last varies fastest
  ReportLevels levels;

  /// Parses `text`, read from `path`; SweepFileError for anything that is not a sweep file:
  /// bad TOML, an unknown table or key, an empty axis, a value that is not a string, number
  /// or boolean, an option both in [base] and [axes], or one the sweep sets itself (out,
  /// threads, config).
  static SweepFile Parse(const std::string& text, const std::filesystem::path& path);
  /// Reads and parses a file; SweepFileError if it cannot be read.
  static SweepFile Load(const std::filesystem::path& path);

  /// "FILE:LINE: message", the form of every SweepFileError.
  std::string At(int line, const std::string& message) const;
};

}  // namespace pmlab::sweep
