#include "core/opt/error_feedback.h"

#include <utility>

#include "core/opt/flag_context.h"

namespace pmlab::core {
namespace {

class NoFeedback final : public FeedbackRule {
 public:
  Index MemoryLength() const override { return 0; }
  const Vector& Input(const Vector& x, const Vector& /*memory*/, Vector& /*work*/) const override { return x; }
  void Update(Vector& /*work*/, Vector& /*memory*/, Message& /*out*/) const override {}
};

class ClassicFeedback final : public FeedbackRule {
 public:
  explicit ClassicFeedback(Index dimension) : dimension_(dimension) {}
  Index MemoryLength() const override { return dimension_; }
  const Vector& Input(const Vector& x, const Vector& memory, Vector& work) const override {
    work = x + memory;
    return work;
  }
  bool InputIsSum() const override { return true; }
  void Update(Vector& work, Vector& memory, Message& out) const override {
    // e <- p - C(p): untouched coordinates keep p, so p becomes the memory (a swap of buffers
    // with the scratch, no copy) and only the sent coordinates change.
    if (out.form == Message::Form::kSparse) {
      std::swap(memory, work);
      for (std::size_t k = 0; k < out.index.size(); ++k) memory[out.index[k]] -= out.value[k];
    } else {
      memory = work - out.dense;
    }
  }

 private:
  Index dimension_;
};

class Ef21 final : public FeedbackRule {
 public:
  explicit Ef21(Index dimension) : dimension_(dimension) {}
  Index MemoryLength() const override { return dimension_; }
  const Vector& Input(const Vector& x, const Vector& memory, Vector& work) const override {
    work = x - memory;
    return work;
  }
  void Update(Vector& /*work*/, Vector& memory, Message& out) const override {
    if (out.form == Message::Form::kSparse) out.AddSparseTo(memory);
    else memory += out.dense;
    out.form = Message::Form::kDense;
    out.dense = memory;
  }

 private:
  Index dimension_;
};

PMLAB_REGISTER(FeedbackRules(), "none", "no memory: the worker sends C(g)", [](Spec&) {
  return [](Index) -> std::unique_ptr<FeedbackRule> { return std::make_unique<NoFeedback>(); };
});

PMLAB_REGISTER(FeedbackRules(), "ef", "classic: send C(e + g), keep e <- e + g - C(e + g) (Seide et al. 2014)", [](Spec&) {
  return [](Index dimension) -> std::unique_ptr<FeedbackRule> { return std::make_unique<ClassicFeedback>(dimension); };
});

PMLAB_REGISTER(FeedbackRules(), "ef21", "track s <- s + C(g - s) and send s, dense (Richtarik et al. 2021)", [](Spec&) {
  return [](Index dimension) -> std::unique_ptr<FeedbackRule> { return std::make_unique<Ef21>(dimension); };
});

}  // namespace

FeedbackRuleRegistry& FeedbackRules() {
  static FeedbackRuleRegistry registry("feedback rule", "Error feedback rules", "--error-feedback");
  return registry;
}

std::unique_ptr<FeedbackRule> MakeFeedbackRule(const std::string& spec, Index dimension) {
  return Within("error feedback '" + spec + "'", [&] { return FeedbackRules().Make(spec, dimension); });
}

}  // namespace pmlab::core
