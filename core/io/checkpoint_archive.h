#pragma once
// cereal archives for checkpoint payloads, and the serialisation of core types.
//
// Loading happens inside a PayloadBounds scope, which knows where the payload ends: every count
// read from a file is checked against the bytes that remain before anything is allocated for
// it (cereal's own container loaders would resize first). Payloads are only deserialised after
// their checksum matched, so this guards against crafted files rather than bit rot.
#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace pmlab::core {

using CheckpointOutputArchive = cereal::PortableBinaryOutputArchive;
using CheckpointInputArchive = cereal::PortableBinaryInputArchive;

/// While alive, loads on this thread read from `in` and must stay before offset `end`.
/// (cereal hands load functions only the archive, so the bounds travel beside it.)
class PayloadBounds {
 public:
  /// Bounds loads on this thread to `in` up to offset `end`.
  PayloadBounds(std::istream& in, std::uint64_t end);
  ~PayloadBounds();
  PayloadBounds(const PayloadBounds&) = delete;
  PayloadBounds& operator=(const PayloadBounds&) = delete;

  /// Bytes left before the end of the payload in the active scope.
  static std::uint64_t Left();

 private:
  std::istream& in_;
  std::uint64_t end_;
  PayloadBounds* outer_;
};

/// Reads a count of elements of `element_bytes` each and checks that the payload still holds
/// them; throws cereal::Exception otherwise.
std::uint64_t LoadCount(CheckpointInputArchive& ar, std::uint64_t element_bytes);

}  // namespace pmlab::core

// Non-member save/load functions, found by cereal in its own namespace.
namespace cereal {

void save(pmlab::core::CheckpointOutputArchive& ar, const std::string& text);
void load(pmlab::core::CheckpointInputArchive& ar, std::string& text);
void save(pmlab::core::CheckpointOutputArchive& ar, const Eigen::VectorXf& v);
void load(pmlab::core::CheckpointInputArchive& ar, Eigen::VectorXf& v);
void save(pmlab::core::CheckpointOutputArchive& ar, const Eigen::VectorXd& v);
void load(pmlab::core::CheckpointInputArchive& ar, Eigen::VectorXd& v);
void save(pmlab::core::CheckpointOutputArchive& ar, const std::vector<std::int64_t>& v);
void load(pmlab::core::CheckpointInputArchive& ar, std::vector<std::int64_t>& v);

}  // namespace cereal

