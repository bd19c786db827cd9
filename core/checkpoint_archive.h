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

#include "core/momentum_server.h"
#include "core/rng.h"
#include "core/types.h"
#include "core/worker_transform.h"

namespace pmlab::core {

using CheckpointOutputArchive = cereal::PortableBinaryOutputArchive;
using CheckpointInputArchive = cereal::PortableBinaryInputArchive;

/// While alive, loads on this thread read from `in` and must stay before offset `end`.
/// (cereal hands load functions only the archive, so the bounds travel beside it.)
class PayloadBounds {
 public:
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
void save(pmlab::core::CheckpointOutputArchive& ar, const std::vector<std::int64_t>& v);
void load(pmlab::core::CheckpointInputArchive& ar, std::vector<std::int64_t>& v);

template <class Archive>
void serialize(Archive& ar, pmlab::core::Rng& rng) {
  pmlab::core::Rng::State s = rng.state();
  ar(s[0], s[1], s[2], s[3]);
  rng.set_state(s);
}

template <class Archive>
void serialize(Archive& ar, pmlab::core::WorkerMemory& m, const std::uint32_t /*version*/) {
  ar(m.rng, m.feedback, m.momentum);
}

template <class Archive>
void serialize(Archive& ar, pmlab::core::MomentumState& s, const std::uint32_t /*version*/) {
  ar(s.iteration, s.x, s.v);
}

}  // namespace cereal

CEREAL_CLASS_VERSION(pmlab::core::WorkerMemory, 1)
CEREAL_CLASS_VERSION(pmlab::core::MomentumState, 1)
