// Natural compression (Horvath et al., "Natural Compression for Distributed Deep Learning",
// 2019): every coordinate is rounded to a power of two, up or down at random with the
// probabilities that keep it unbiased, and is sent as its sign and 8-bit exponent: 9 bits
// instead of 32. With deterministic=true it rounds to the nearer of the two powers instead,
// which is cheaper in variance but biased: a knob of the kind pmlab exists to study.
//
//   natural_lab train --problem quadratic --compress natural --out runs/natural
//   natural_lab train --compress "natural(deterministic=true)" --workers 10 --iters 20
#include <cmath>
#include <memory>

#include <pmlab/pmlab.h>

namespace {

using pmlab::core::Index;
using pmlab::core::Message;
using pmlab::core::Rng;
using pmlab::core::Vector;

class Natural final : public pmlab::core::Compressor {
 public:
  Natural(Index dimension, bool deterministic) : Compressor(dimension), deterministic_(deterministic) {}

  void Encode(const Vector& in, Message& out, Rng& rng) const override {
    // Sent as d values; Bits() counts the 9-bit code a real encoder would pack them into.
    out.form = Message::Form::kDense;
    out.dense.resize(in.size());
    for (Index i = 0; i < in.size(); ++i) {
      const float v = in[i];
      if (v == 0 || !std::isfinite(v)) {
        out.dense[i] = v;
        continue;
      }
      int exponent = 0;
      std::frexp(std::abs(v), &exponent);  // |v| in [2^(e-1), 2^e)
      const float low = std::ldexp(1.0f, exponent - 1);
      const float up_probability = (std::abs(v) - low) / low;  // E[rounded] = |v|
      const bool up = deterministic_ ? up_probability >= 0.5f : rng.Uniform() < up_probability;
      out.dense[i] = std::copysign(up ? 2 * low : low, v);
    }
  }

  double Bits() const override { return 9.0 * static_cast<double>(dimension()); }

 private:
  bool deterministic_;
};

PMLAB_REGISTER(pmlab::core::Compressors(), "natural", "each coordinate rounded to a power of two, 9 bits (unbiased; Horvath et al. 2019)",
               [](pmlab::Spec& spec) {
                 bool deterministic = false;
                 spec.Flag("deterministic", &deterministic, "round to the nearer power instead of at random (biased)");
                 return [deterministic](Index dimension) -> std::unique_ptr<pmlab::core::Compressor> {
                   return std::make_unique<Natural>(dimension, deterministic);
                 };
               });

}  // namespace

int main(int argc, char** argv) { return pmlab::Main(argc, argv); }
