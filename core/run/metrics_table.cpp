#include "core/run/metrics_table.h"

#include "core/io/file_text.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace pmlab::core {
namespace {

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

double ParseCell(const std::string& cell) {
  if (cell.empty() || cell == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (cell == "inf") return std::numeric_limits<double>::infinity();
  if (cell == "-inf") return -std::numeric_limits<double>::infinity();
  double value = 0;
  auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (ec != std::errc() || end != cell.data() + cell.size()) throw std::invalid_argument(cell);
  return value;
}

}  // namespace

MetricsTable MetricsTable::Load(const std::filesystem::path& path) {
  std::istringstream in(ReadFileText(path, kMetricsFileLimit, "metrics file"));
  MetricsTable table;
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error("'" + path.string() + "' is empty");
  table.columns = Split(line);
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    const auto cells = Split(line);
    if (cells.size() != table.columns.size())
      throw std::runtime_error("'" + path.string() + "' line " + std::to_string(number) + " has " +
                               std::to_string(cells.size()) + " cells for " + std::to_string(table.columns.size()) + " columns");
    std::vector<double> row;
    for (const auto& cell : cells) {
      try {
        row.push_back(ParseCell(cell));
      } catch (const std::invalid_argument&) {
        throw std::runtime_error("'" + path.string() + "' line " + std::to_string(number) + ": '" + cell + "' is not a number");
      }
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::optional<std::size_t> MetricsTable::Find(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  return std::nullopt;
}

std::size_t MetricsTable::Column(const std::string& name) const {
  if (const auto i = Find(name)) return *i;
  throw std::runtime_error("metrics have no column '" + name + "'");
}

}  // namespace pmlab::core
