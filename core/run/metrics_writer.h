#pragma once
// metrics.csv: one row per iteration, columns fixed at construction, every row flushed so that
// a killed run keeps what it measured. Numbers are written in their shortest exact form, so
// two runs can be compared bit for bit from their CSV files (core/opt/exact_number.h); an absent value is an empty cell.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pmlab::core {

/// metrics.csv, one row per iteration, each number in its exact shortest form.
class MetricsWriter {
 public:
  /// A number, or an empty cell.
  using Cell = std::optional<double>;

  /// Creates (truncates) `path` and writes the header.
  MetricsWriter(const std::filesystem::path& path, std::vector<std::string> columns);
  /// What a resume keeps of a metrics.csv: the header and one row per iteration 1..through,
  /// in order. Rows after `through` (written by a killed process after its last checkpoint)
  /// are dropped; anything else (a missing, repeated or misplaced row, other columns) makes
  /// the file unusable, and `problem` says where.
  struct Kept {
    std::string text;  ///< the header and the kept rows
    std::int64_t rows_in_order = 0;  ///< rows 1..n found in order before any damage
    std::string problem;  ///< empty when the file covers 1..through
  };
  /// Reads and checks `path` (bounded, regular file); std::runtime_error if it cannot be read.
  static Kept Check(const std::filesystem::path& path, const std::vector<std::string>& columns, std::int64_t through);
  /// Continues `path` after a resume: replaces it atomically with `kept` (from Check, whose
  /// problem was empty), then appends.
  static MetricsWriter Resume(const std::filesystem::path& path, std::vector<std::string> columns, const Kept& kept);
  /// Takes over the open file.
  MetricsWriter(MetricsWriter&& other) noexcept;
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  /// The header row.
  const std::vector<std::string>& columns() const { return columns_; }

  /// One row, cells in column order; throws std::runtime_error if the disk refuses it.
  void Write(const std::vector<Cell>& cells);

 private:
  MetricsWriter() = default;
  static std::string Header(const std::vector<std::string>& columns);

  std::filesystem::path path_;
  std::vector<std::string> columns_;
  std::FILE* file_ = nullptr;
  std::string line_;
};

}  // namespace pmlab::core
