#pragma once
// Plain bytes in and out, for what crosses between processes each round (messages, worker
// slots, worker memories). Values are copied in host byte order: every process of a job runs
// the same binary on the same kind of machine, and nothing here is ever stored in a file
// (checkpoints have their own, versioned archives).
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/opt/types.h"

namespace pmlab::core {

/// Appends plain values to a byte string (the wire format of messages and slots).
class ByteWriter {
 public:
  /// Appends to `out`.
  explicit ByteWriter(std::string& out) : out_(out) {}

  template <typename T>
  /// Appends the bytes of a trivially copyable value.
  void Put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  /// Appends `size` raw bytes; null-safe for size 0.
  void PutBytes(const void* data, std::size_t size) {
    if (size > 0) out_.append(static_cast<const char*>(data), size);  // an empty Eigen vector's data() is null
  }
  /// Any dense Eigen object of plain scalars, with its shape.
  template <typename Derived>
  void PutMatrix(const Eigen::PlainObjectBase<Derived>& m) {
    Put<std::int64_t>(m.rows());
    Put<std::int64_t>(m.cols());
    PutBytes(m.data(), static_cast<std::size_t>(m.size()) * sizeof(typename Derived::Scalar));
  }

 private:
  std::string& out_;
};

/// Reads what a ByteWriter wrote, refusing to read past the end.
class ByteReader {
 public:
  /// Reads from `in`.
  explicit ByteReader(std::string_view in) : in_(in) {}

  template <typename T>
  /// Reads a trivially copyable value; throws std::runtime_error past the end.
  T Get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    GetBytes(&value, sizeof(T));
    return value;
  }
  /// Reads `size` raw bytes; throws std::runtime_error past the end.
  void GetBytes(void* data, std::size_t size) {
    if (size > in_.size()) throw std::runtime_error("a message between processes ended early");
    if (size > 0) std::memcpy(data, in_.data(), size);  // an empty Eigen vector's data() is null
    in_.remove_prefix(size);
  }
  template <typename Derived>
  /// Reads a dense Eigen vector or matrix of the size `m` already has.
  void GetMatrix(Eigen::PlainObjectBase<Derived>& m) {
    const auto rows = Get<std::int64_t>(), cols = Get<std::int64_t>();
    if (rows < 0 || cols < 0 || (rows > 0 && static_cast<std::size_t>(cols) > in_.size() / sizeof(typename Derived::Scalar) / static_cast<std::size_t>(rows)))
      throw std::runtime_error("a message between processes holds a matrix of impossible shape");
    m.resize(rows, cols);
    GetBytes(m.data(), static_cast<std::size_t>(m.size()) * sizeof(typename Derived::Scalar));
  }
  /// Whether everything was read.
  bool empty() const { return in_.empty(); }
  /// Bytes not read yet.
  std::size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace pmlab::core
