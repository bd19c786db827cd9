#pragma once
// Error feedback around a worker's compressor. Not in the paper (it studies momentum without
// it); offered so that researchers can compare the two remedies for compression bias. A rule
// keeps one vector per worker between rounds (saved in checkpoints) and is registered by name:
//  - ef (Seide et al. 2014; Karimireddy et al. 2019): p = e + g, send C(p), e <- p - C(p).
//  - ef21 (Richtarik et al. 2021): the worker tracks s, compresses c = C(g - s) and sets
//    s <- s + c; the server's aggregate is the mean of the s, so the worker sends s itself.
#include <memory>
#include <string>

#include "core/opt/message.h"
#include "core/registry/registry.h"
#include "core/opt/types.h"

namespace pmlab::core {

/// An error-feedback rule: one object serves every worker concurrently; each worker's state is
/// the `memory` vector handed to it.
class FeedbackRule {
 public:
  virtual ~FeedbackRule() = default;
  /// Length of the memory each worker keeps, zero at the start (0 for a rule without memory).
  virtual Index MemoryLength() const = 0;
  /// The vector the compressor encodes, from the worker's clipped gradient `x`: `x` itself, or
  /// written to `work` (which `x` may be) and returned.
  virtual const Vector& Input(const Vector& x, const Vector& memory, Vector& work) const = 0;
  /// After the compressor wrote the input as `out` (a packed message has its values in
  /// out.dense too): updates `memory`, and may replace `out` by what the worker sends instead.
  /// `work` is the scratch Input wrote to, which the rule may take over.
  virtual void Update(Vector& work, Vector& memory, Message& out) const = 0;
  /// Whether Input is x + memory written to `work` (classic error feedback), which the worker
  /// may then form in the compressor's own pass (Compressor::EncodeSum) instead.
  virtual bool InputIsSum() const { return false; }
};

/// The error-feedback rules, by name: none, ef, ef21, and whatever a program registers.
using FeedbackRuleRegistry = Registry<std::unique_ptr<FeedbackRule>(Index dimension)>;
FeedbackRuleRegistry& FeedbackRules();

/// The rule of `spec` ("none", "ef", "ef21") for vectors of length `dimension`; throws
/// std::invalid_argument naming an unknown rule or a bad parameter.
std::unique_ptr<FeedbackRule> MakeFeedbackRule(const std::string& spec, Index dimension);

}  // namespace pmlab::core
