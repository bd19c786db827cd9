#include "core/run/metrics_writer.h"

#include "core/io/atomic_file.h"
#include "core/opt/exact_number.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace pmlab::core {

std::string MetricsWriter::Header(const std::vector<std::string>& columns) {
  std::string header;
  for (std::size_t i = 0; i < columns.size(); ++i) header += (i ? "," : "") + columns[i];
  return header + '\n';
}

MetricsWriter::MetricsWriter(const std::filesystem::path& path, std::vector<std::string> columns)
    : path_(path), columns_(std::move(columns)) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw std::runtime_error("cannot create '" + path.string() + "'");
  if (std::fputs(Header(columns_).c_str(), file_) < 0 || std::fflush(file_) != 0)
    throw std::runtime_error("cannot write '" + path.string() + "'");
}

MetricsWriter MetricsWriter::Resume(const std::filesystem::path& path, std::vector<std::string> columns, std::int64_t through) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read '" + path.string() + "' to resume it");
  const std::string header = Header(columns);
  std::string kept, line;
  if (!std::getline(in, line) || line + '\n' != header)
    throw std::runtime_error("'" + path.string() + "' does not have the columns this run writes");
  kept = header;
  while (std::getline(in, line)) {
    // A row a crash cut short has no newline; its iteration is after the checkpoint anyway.
    const long long iteration = std::atoll(line.c_str());
    if (iteration >= 1 && iteration <= through && in.good()) kept += line + '\n';
  }
  in.close();
  WriteFileAtomically(path, kept);
  MetricsWriter w;
  w.path_ = path;
  w.columns_ = std::move(columns);
  w.file_ = std::fopen(path.c_str(), "a");
  if (!w.file_) throw std::runtime_error("cannot append to '" + path.string() + "'");
  return w;
}

MetricsWriter::MetricsWriter(MetricsWriter&& other) noexcept
    : path_(std::move(other.path_)), columns_(std::move(other.columns_)), file_(other.file_), line_(std::move(other.line_)) {
  other.file_ = nullptr;
}

MetricsWriter::~MetricsWriter() {
  if (file_) std::fclose(file_);
}

void MetricsWriter::Write(const std::vector<Cell>& cells) {
  if (cells.size() != columns_.size()) throw std::logic_error("metrics row does not match the header");
  line_.clear();
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) line_ += ',';
    if (cells[i]) line_ += FormatNumber(*cells[i]);
  }
  line_ += '\n';
  if (std::fputs(line_.c_str(), file_) < 0 || std::fflush(file_) != 0)
    throw std::runtime_error("cannot write '" + path_.string() + "' (disk full?)");
}

}  // namespace pmlab::core
