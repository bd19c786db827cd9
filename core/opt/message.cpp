#include "core/opt/message.h"

#include <stdexcept>

#include "core/opt/compressor.h"

namespace pmlab::core {
namespace {

std::size_t CodeBytes(std::int64_t bits) { return static_cast<std::size_t>((bits + 7) / 8); }

}  // namespace

void Message::Write(ByteWriter& out, Index dimension) const {
  out.Put(form);
  switch (form) {
    case Form::kDense:
      out.PutBytes(dense.data(), static_cast<std::size_t>(dense.size()) * sizeof(float));
      break;
    case Form::kSparse: {
      // The indices at ceil(log2 d) bits each, then the values: what Bits() counts.
      const int width = static_cast<int>(IndexBits(dimension));
      std::vector<std::uint64_t> words;
      std::int64_t bits = 0;
      {
        BitPacker pack(words, bits);
        for (const std::int32_t i : index) pack.Put(static_cast<std::uint64_t>(i), width);
      }
      out.Put<std::int64_t>(static_cast<std::int64_t>(index.size()));
      out.PutBytes(words.data(), CodeBytes(bits));
      out.PutBytes(value.data(), value.size() * sizeof(float));
      break;
    }
    case Form::kPacked:
      out.Put(scale);
      out.Put(code_bits);
      out.PutBytes(code.data(), CodeBytes(code_bits));
      break;
  }
}

void Message::Read(ByteReader& in, Index dimension) {
  const auto f = in.Get<Form>();
  if (f != Form::kDense && f != Form::kSparse && f != Form::kPacked) throw std::runtime_error("a message of unknown form arrived");
  form = f;
  switch (form) {
    case Form::kDense:
      dense.resize(dimension);
      in.GetBytes(dense.data(), static_cast<std::size_t>(dimension) * sizeof(float));
      break;
    case Form::kSparse: {
      const int width = static_cast<int>(IndexBits(dimension));
      const auto count = in.Get<std::int64_t>();
      if (count < 0 || count > dimension) throw std::runtime_error("a sparse message holds more entries than coordinates");
      std::vector<std::uint64_t> words((CodeBytes(count * width) + 7) / 8, 0);
      in.GetBytes(words.data(), CodeBytes(count * width));
      index.resize(static_cast<std::size_t>(count));
      for (std::int64_t k = 0; k < count; ++k) {
        index[k] = static_cast<std::int32_t>(CodeBits(words, k * width, width));
        if (index[k] >= dimension || (k > 0 && index[k] <= index[k - 1]))
          throw std::runtime_error("a sparse message's coordinates are out of range or out of order");
      }
      value.resize(static_cast<std::size_t>(count));
      in.GetBytes(value.data(), value.size() * sizeof(float));
      break;
    }
    case Form::kPacked: {
      scale = in.Get<float>();
      code_bits = in.Get<std::int64_t>();
      if (code_bits < 0 || code_bits > 64 * (dimension + 1)) throw std::runtime_error("a packed message has an impossible length");
      code.assign(static_cast<std::size_t>((code_bits + 63) / 64), 0);
      in.GetBytes(code.data(), CodeBytes(code_bits));
      break;
    }
  }
}

void Message::AddSparseTo(Eigen::Ref<Vector> out) const {
  for (std::size_t k = 0; k < index.size(); ++k) out[index[k]] += value[k];
}

}  // namespace pmlab::core
