// libFuzzer target for the checkpoint reader (build: see fuzz/CMakeLists.txt).
// The first input byte picks what the rest is:
//   even: a whole file, to exercise the header, length and checksum checks;
//   odd:  a payload, wrapped in a valid header and checksum, to reach the deserialiser.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/io/checkpoint_file.h"
#include "core/run/run_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("pmlab-fuzz-" + std::to_string(::getpid()) + ".pmlab");
  const char* body = reinterpret_cast<const char*>(data + 1);
  const std::size_t body_size = size - 1;
  {
    // Plain writes, no fsync: durability is not under test here, and it keeps executions fast.
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (data[0] % 2 == 1) {
      pmlab::core::CheckpointHeader header;
      header.kind = 1;  // any registered kind: the record is the same for all
      header.payload_bytes = body_size;
      header.payload_crc = pmlab::core::Crc32(body, body_size);
      const auto bytes = pmlab::core::EncodeCheckpointHeader(header);
      file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    file.write(body, static_cast<std::streamsize>(body_size));
  }
  try {
    (void)pmlab::core::CheckpointFile::Check(path);
    (void)pmlab::core::LoadRunCheckpoint(path);
  } catch (const pmlab::core::CheckpointError&) {
    // Refusing the file is the expected outcome; anything else escaping is a bug.
  }
  return 0;
}
