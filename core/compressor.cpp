#include "core/compressor.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "core/qsgd.h"
#include "core/rand_k.h"
#include "core/scaled_sign.h"
#include "core/top_k.h"

namespace pmlab::core {
namespace {

class Identity final : public Compressor {
 public:
  explicit Identity(Index dimension) : dimension_(dimension) {}
  void Compress(const Vector& in, Eigen::Ref<Vector> out, Rng& /*rng*/) const override { out = in; }
  double Bits() const override { return DenseBits(dimension_); }

 private:
  Index dimension_;
};

const char* const kAllowed = "none, topk:F, topk:K, randk:F, randk:K, randk-biased:F, randk-biased:K, sign, qsgd:S";

[[noreturn]] void Reject(std::string_view spec, const std::string& why) {
  throw std::invalid_argument("compressor '" + std::string(spec) + "': " + why + " (allowed: " + kAllowed + ")");
}

// "0.02" -> a fraction of the dimension; "1000" -> a count. Both must give 1 <= K <= dimension.
Index ParseCount(std::string_view spec, std::string_view text, Index dimension) {
  const bool fraction = text.find_first_of(".eE") != std::string_view::npos;
  if (fraction) {
    double f = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), f);
    if (ec != std::errc() || end != text.data() + text.size() || !(f > 0.0 && f <= 1.0))
      Reject(spec, "the fraction must be a number in (0, 1]");
    const auto k = static_cast<Index>(std::llround(f * static_cast<double>(dimension)));
    if (k < 1) Reject(spec, "the fraction keeps no coordinate of " + std::to_string(dimension));
    return k;
  }
  long long k = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), k);
  if (ec != std::errc() || end != text.data() + text.size() || k < 1 || k > dimension)
    Reject(spec, "the count must be an integer from 1 to the dimension " + std::to_string(dimension));
  return static_cast<Index>(k);
}

}  // namespace

double IndexBits(Index dimension) { return std::ceil(std::log2(static_cast<double>(std::max<Index>(dimension, 2)))); }

std::unique_ptr<Compressor> MakeCompressor(std::string_view spec, Index dimension) {
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const std::string_view arg = colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  const bool has_arg = colon != std::string_view::npos;
  if (name == "none" || name == "sign") {
    if (has_arg) Reject(spec, "'" + std::string(name) + "' takes no argument");
    if (name == "none") return std::make_unique<Identity>(dimension);
    return std::make_unique<ScaledSign>(dimension);
  }
  if (name != "topk" && name != "randk" && name != "randk-biased" && name != "qsgd")
    Reject(spec, "unknown compressor '" + std::string(name) + "'");
  if (!has_arg || arg.empty()) Reject(spec, "'" + std::string(name) + "' needs an argument after ':'");
  if (name == "topk") return std::make_unique<TopK>(dimension, ParseCount(spec, arg, dimension));
  if (name == "randk") return std::make_unique<RandK>(dimension, ParseCount(spec, arg, dimension), true);
  if (name == "qsgd") {
    int levels = 0;
    auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), levels);
    if (ec != std::errc() || end != arg.data() + arg.size() || levels < 1)
      Reject(spec, "the number of levels S must be an integer of at least 1");
    return std::make_unique<Qsgd>(dimension, levels);
  }
  // The one name left: randk-biased.
  return std::make_unique<RandK>(dimension, ParseCount(spec, arg, dimension), false);
}

}  // namespace pmlab::core
