#pragma once
// Reads a metrics.csv back: the header and, per row, the cells as numbers (empty cells become
// NaN). Used by `pmlab compare` and by tests that compare runs.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pmlab::core {

struct MetricsTable {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;

  /// Throws std::runtime_error naming the file and line when it cannot be read.
  static MetricsTable Load(const std::filesystem::path& path);
  /// Index of `name` in columns; throws std::runtime_error if absent.
  std::size_t Column(const std::string& name) const;
  /// Index of `name` in columns, if present.
  std::optional<std::size_t> Find(const std::string& name) const;
};

}  // namespace pmlab::core
