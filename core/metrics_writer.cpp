#include "core/metrics_writer.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace pmlab::core {

MetricsWriter::MetricsWriter(const std::filesystem::path& path, std::vector<std::string> columns)
    : path_(path), columns_(std::move(columns)) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw std::runtime_error("cannot create '" + path.string() + "'");
  std::string header;
  for (std::size_t i = 0; i < columns_.size(); ++i) header += (i ? "," : "") + columns_[i];
  header += '\n';
  if (std::fputs(header.c_str(), file_) < 0 || std::fflush(file_) != 0)
    throw std::runtime_error("cannot write '" + path.string() + "'");
}

MetricsWriter::~MetricsWriter() {
  if (file_) std::fclose(file_);
}

std::string MetricsWriter::Format(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

void MetricsWriter::Write(const std::vector<Cell>& cells) {
  if (cells.size() != columns_.size()) throw std::logic_error("metrics row does not match the header");
  line_.clear();
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) line_ += ',';
    if (cells[i]) line_ += Format(*cells[i]);
  }
  line_ += '\n';
  if (std::fputs(line_.c_str(), file_) < 0 || std::fflush(file_) != 0)
    throw std::runtime_error("cannot write '" + path_.string() + "' (disk full?)");
}

}  // namespace pmlab::core
