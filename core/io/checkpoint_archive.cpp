#include "core/io/checkpoint_archive.h"

namespace pmlab::core {
namespace {
thread_local PayloadBounds* active_bounds = nullptr;
}  // namespace

PayloadBounds::PayloadBounds(std::istream& in, std::uint64_t end) : in_(in), end_(end), outer_(active_bounds) {
  active_bounds = this;
}

PayloadBounds::~PayloadBounds() { active_bounds = outer_; }

std::uint64_t PayloadBounds::Left() {
  if (!active_bounds) throw cereal::Exception("checkpoint payload read outside its bounds scope");
  const std::streamoff at = active_bounds->in_.tellg();
  if (at < 0) throw cereal::Exception("checkpoint payload stream failed");
  const auto position = static_cast<std::uint64_t>(at);
  return position <= active_bounds->end_ ? active_bounds->end_ - position : 0;
}

std::uint64_t LoadCount(CheckpointInputArchive& ar, std::uint64_t element_bytes) {
  std::uint64_t count = 0;
  ar(count);
  const std::uint64_t left = PayloadBounds::Left();
  if (element_bytes > 0 && count > left / element_bytes)
    throw cereal::Exception("a stored size (" + std::to_string(count) + " elements) exceeds the " + std::to_string(left) +
                            " bytes left in the payload");
  return count;
}

}  // namespace pmlab::core

namespace cereal {

void save(pmlab::core::CheckpointOutputArchive& ar, const std::string& text) {
  ar(static_cast<std::uint64_t>(text.size()));
  ar(binary_data(text.data(), text.size()));
}

void load(pmlab::core::CheckpointInputArchive& ar, std::string& text) {
  text.resize(pmlab::core::LoadCount(ar, 1));
  ar(binary_data(text.data(), text.size()));
}

namespace {

template <typename Vector>
void SaveVector(pmlab::core::CheckpointOutputArchive& ar, const Vector& v) {
  ar(static_cast<std::uint64_t>(v.size()));
  ar(binary_data(v.data(), static_cast<std::size_t>(v.size()) * sizeof(typename Vector::Scalar)));
}

template <typename Vector>
void LoadVector(pmlab::core::CheckpointInputArchive& ar, Vector& v) {
  v.resize(static_cast<Eigen::Index>(pmlab::core::LoadCount(ar, sizeof(typename Vector::Scalar))));
  ar(binary_data(v.data(), static_cast<std::size_t>(v.size()) * sizeof(typename Vector::Scalar)));
}

}  // namespace

void save(pmlab::core::CheckpointOutputArchive& ar, const Eigen::VectorXf& v) { SaveVector(ar, v); }
void load(pmlab::core::CheckpointInputArchive& ar, Eigen::VectorXf& v) { LoadVector(ar, v); }
void save(pmlab::core::CheckpointOutputArchive& ar, const Eigen::VectorXd& v) { SaveVector(ar, v); }
void load(pmlab::core::CheckpointInputArchive& ar, Eigen::VectorXd& v) { LoadVector(ar, v); }

void save(pmlab::core::CheckpointOutputArchive& ar, const std::vector<std::int64_t>& v) {
  ar(static_cast<std::uint64_t>(v.size()));
  for (const std::int64_t x : v) ar(x);
}

void load(pmlab::core::CheckpointInputArchive& ar, std::vector<std::int64_t>& v) {
  v.resize(pmlab::core::LoadCount(ar, sizeof(std::int64_t)));
  for (std::int64_t& x : v) ar(x);
}

}  // namespace cereal
