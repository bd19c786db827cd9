// libFuzzer target for the TOML readers a user's files reach (build: see fuzz/CMakeLists.txt):
// the input is read as a config file by every registered run kind (pmlab KIND --config, and
// resume/eval reading a folder's config.toml), and as a sweep file, whose runs are expanded.
// Refusing the text is the expected outcome; a crash, a sanitizer report or any other exception
// escaping is a bug.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "runners/config_toml.h"
#include "runners/run_kind.h"
#include "sweep/sweep_file.h"
#include "sweep/sweep_plan.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)pmlab::runners::ConfigSection(text, "fuzz.toml");
  } catch (const std::runtime_error&) {
  }
  for (pmlab::runners::RunKind* kind : pmlab::runners::RunKinds()) {
    try {
      (void)kind->Identity(text);
    } catch (const std::runtime_error&) {
    }
  }
  try {
    (void)pmlab::sweep::Expand(pmlab::sweep::SweepFile::Parse(text, "fuzz.toml"));
  } catch (const pmlab::sweep::SweepFileError&) {
  }
  return 0;
}
