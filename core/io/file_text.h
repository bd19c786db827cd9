#pragma once
// Reading a file pmlab did not necessarily write: a config, a sweep file, a run's metrics or
// summary. Every read has a ceiling that fits the kind of file, and only regular files are
// read, so that /dev/zero, a FIFO or a runaway file gives a clear refusal instead of a process
// that grows until the kernel kills it (or that blocks forever on a pipe without a writer).
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace pmlab::core {

/// Ceilings for the kinds of text file pmlab reads.
inline constexpr std::uint64_t kConfigFileLimit = 4ull << 20;     ///< config.toml, sweep files: 4 MiB
inline constexpr std::uint64_t kSummaryFileLimit = 1ull << 20;    ///< summary.json: 1 MiB
inline constexpr std::uint64_t kMetricsFileLimit = 4ull << 30;    ///< metrics.csv: 4 GiB (about 20 million rows)

/// A file that cannot be read as the kind asked for; what() names it and says why.
class FileTextError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A regular file open for reading, its size checked against a ceiling when it is opened.
/// Opening does not wait (a FIFO is refused, not waited on). Throws FileTextError naming the
/// file as "WHAT 'PATH' ...".
class RegularFile {
 public:
  RegularFile(const std::filesystem::path& path, std::uint64_t limit, std::string what);
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  /// Its size when it was opened.
  std::uint64_t size() const { return size_; }
  /// Reads up to `n` bytes into `to`; fewer only at the end of the file.
  std::uint64_t Read(char* to, std::uint64_t n);

 private:
  [[noreturn]] void Refuse(const std::string& why);

  std::filesystem::path path_;
  std::string what_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

/// Checks that `path` is a regular file of at most `limit` bytes without reading it; returns
/// its size. `what` names the kind in messages ("config file"). Throws FileTextError.
std::uint64_t CheckRegularFile(const std::filesystem::path& path, std::uint64_t limit, const std::string& what);

/// The whole text of the regular file `path`, at most `limit` bytes (checked before reading,
/// and again while reading, in case the file grows). Throws FileTextError.
std::string ReadFileText(const std::filesystem::path& path, std::uint64_t limit, const std::string& what);

/// "4 MiB", "1.5 GiB": a size as messages give it.
std::string ByteSize(std::uint64_t bytes);

}  // namespace pmlab::core
