#include "core/opt/compressor.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "core/opt/exact_number.h"
#include "core/opt/qsgd.h"
#include "core/opt/rand_k.h"
#include "core/opt/scaled_sign.h"
#include "core/opt/top_k.h"

namespace pmlab::core {
namespace {

class Identity final : public Compressor {
 public:
  explicit Identity(Index dimension) : Compressor(dimension) {}
  void Encode(const Vector& in, Message& out, Rng& /*rng*/) const override {
    out.form = Message::Form::kDense;
    out.dense = in;
  }
  double Bits() const override { return DenseBits(dimension()); }
};

const char* const kAllowed = "none, topk:F, topk:K, randk:F, randk:K, randk-biased:F, randk-biased:K, sign, qsgd:S";

[[noreturn]] void Reject(std::string_view spec, const std::string& why) {
  throw std::invalid_argument("compressor '" + std::string(spec) + "': " + why + " (allowed: " + kAllowed + ")");
}

struct Name {
  const char* text;
  CompressorSpec::Kind kind;
};
constexpr Name kNames[] = {{"none", CompressorSpec::Kind::kNone},   {"topk", CompressorSpec::Kind::kTopK},
                           {"randk", CompressorSpec::Kind::kRandK}, {"randk-biased", CompressorSpec::Kind::kRandKBiased},
                           {"sign", CompressorSpec::Kind::kSign},   {"qsgd", CompressorSpec::Kind::kQsgd}};

}  // namespace

CompressorSpec CompressorSpec::Parse(std::string_view spec) {
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const bool has_arg = colon != std::string_view::npos;
  const std::string_view arg = has_arg ? spec.substr(colon + 1) : std::string_view();
  CompressorSpec c;
  const auto* found = std::find_if(std::begin(kNames), std::end(kNames), [&](const Name& n) { return name == n.text; });
  if (found == std::end(kNames)) Reject(spec, "unknown compressor '" + std::string(name) + "'");
  c.kind = found->kind;
  if (c.kind == Kind::kNone || c.kind == Kind::kSign) {
    if (has_arg) Reject(spec, "'" + std::string(name) + "' takes no argument");
    return c;
  }
  if (arg.empty()) Reject(spec, "'" + std::string(name) + "' needs an argument after ':'");
  if (c.kind == Kind::kQsgd) {
    auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), c.count);
    if (ec != std::errc() || end != arg.data() + arg.size() || c.count < 1 || c.count > (1 << 30))
      Reject(spec, "the number of levels S must be an integer from 1 to 2^30");
    return c;
  }
  // "0.02" is a fraction of the dimension, "1000" a count.
  if (arg.find_first_of(".eE") != std::string_view::npos) {
    const auto f = ParseNumber(arg);
    if (!f || !(*f > 0.0 && *f <= 1.0)) Reject(spec, "the fraction must be a number in (0, 1]");
    c.fraction = *f;
    return c;
  }
  auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), c.count);
  if (ec != std::errc() || end != arg.data() + arg.size() || c.count < 1) Reject(spec, "the count must be an integer of at least 1");
  return c;
}

std::string CompressorSpec::Spec() const {
  const auto* found = std::find_if(std::begin(kNames), std::end(kNames), [&](const Name& n) { return kind == n.kind; });
  std::string text = found->text;
  if (kind == Kind::kNone || kind == Kind::kSign) return text;
  if (kind == Kind::kQsgd || fraction == 0) return text + ":" + std::to_string(count);
  std::string f = FormatNumber(fraction);
  if (f.find_first_of(".e") == std::string::npos) f += ".0";  // "1" would read back as a count
  return text + ":" + f;
}

void Compressor::Expand(const Message& m, Eigen::Ref<Vector> out) const {
  switch (m.form) {
    case Message::Form::kDense: out = m.dense; break;
    case Message::Form::kSparse:
      out.setZero();
      m.AddSparseTo(out);
      break;
    case Message::Form::kPacked: ExpandCode(m, out); break;
  }
}

void Compressor::Unpack(Message& m) const {
  if (m.form != Message::Form::kPacked) return;
  m.dense.resize(dimension_);
  ExpandCode(m, m.dense);
}

void Compressor::Compress(const Vector& in, Eigen::Ref<Vector> out, Rng& rng) const {
  thread_local Message message;
  Encode(in, message, rng);
  Expand(message, out);
}

void Compressor::ExpandCode(const Message& /*message*/, Eigen::Ref<Vector> /*out*/) const {
  throw std::logic_error("this compressor sends no packed code");
}

double IndexBits(Index dimension) { return std::ceil(std::log2(static_cast<double>(std::max<Index>(dimension, 2)))); }

std::unique_ptr<Compressor> MakeCompressor(const CompressorSpec& c, Index dimension) {
  using Kind = CompressorSpec::Kind;
  Index k = c.count;
  if (c.kind == Kind::kTopK || c.kind == Kind::kRandK || c.kind == Kind::kRandKBiased) {
    if (c.fraction > 0) {
      k = static_cast<Index>(std::llround(c.fraction * static_cast<double>(dimension)));
      if (k < 1) Reject(c.Spec(), "the fraction keeps no coordinate of " + std::to_string(dimension));
    } else if (k > dimension) {
      Reject(c.Spec(), "the count must be an integer from 1 to the dimension " + std::to_string(dimension));
    }
  }
  switch (c.kind) {
    case Kind::kNone: return std::make_unique<Identity>(dimension);
    case Kind::kSign: return std::make_unique<ScaledSign>(dimension);
    case Kind::kTopK: return std::make_unique<TopK>(dimension, k);
    case Kind::kRandK: return std::make_unique<RandK>(dimension, k, true);
    case Kind::kRandKBiased: return std::make_unique<RandK>(dimension, k, false);
    case Kind::kQsgd: return std::make_unique<Qsgd>(dimension, static_cast<int>(c.count));
  }
  throw std::logic_error("unknown compressor kind");
}

}  // namespace pmlab::core
