#include "core/run/metrics_writer.h"

#include "core/io/atomic_file.h"
#include "core/io/file_text.h"
#include "core/opt/exact_number.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
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

MetricsWriter::Kept MetricsWriter::Check(const std::filesystem::path& path, const std::vector<std::string>& columns, std::int64_t through) {
  const std::string text = ReadFileText(path, kMetricsFileLimit, "metrics file");
  const std::string header = Header(columns);
  Kept kept;
  if (!text.starts_with(header)) {
    kept.problem = "does not start with the columns this run writes (" + header.substr(0, header.size() - 1) + ")";
    return kept;
  }
  kept.text = header;
  std::size_t at = header.size();
  for (std::int64_t line = 2; at < text.size(); ++line) {
    const std::size_t end = text.find('\n', at);
    // A row a crash cut short has no newline; it can only come after the checkpoint.
    const bool whole = end != std::string::npos;
    const std::string_view row(text.data() + at, (whole ? end : text.size()) - at);
    at = whole ? end + 1 : text.size();
    std::int64_t iteration = 0;
    const auto [stop, error] = std::from_chars(row.data(), row.data() + row.size(), iteration);
    const bool numbered = error == std::errc() && stop != row.data() && (stop == row.data() + row.size() || *stop == ',');
    if (kept.rows_in_order == through) {
      // What a killed process wrote after its last checkpoint: later iterations, dropped.
      if (!whole || (numbered && iteration > through)) continue;
    } else if (whole && numbered && iteration == kept.rows_in_order + 1) {
      kept.text.append(row).push_back('\n');
      ++kept.rows_in_order;
      continue;
    }
    kept.problem = "line " + std::to_string(line) + " should be the row of iteration " +
                   std::to_string(std::min(kept.rows_in_order + 1, through + 1)) + ", but " +
                   (!whole ? "it is cut short" : !numbered ? "it does not start with an iteration number" : "it is the row of iteration " + std::to_string(iteration));
    return kept;
  }
  if (kept.rows_in_order < through)
    kept.problem = "ends after the row of iteration " + std::to_string(kept.rows_in_order) + "; rows up to " + std::to_string(through) + " are missing";
  return kept;
}

MetricsWriter MetricsWriter::Resume(const std::filesystem::path& path, std::vector<std::string> columns, const Kept& kept) {
  if (!kept.problem.empty()) throw std::logic_error("MetricsWriter::Resume of a damaged file");
  WriteFileAtomically(path, kept.text);
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
