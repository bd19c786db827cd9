#pragma once
// A non-owning reference to a callable, for callbacks that run during the call they are passed
// to. Unlike std::function it never allocates (a lambda capturing more than two pointers would
// put std::function on the heap on every call of a hot loop).
#include <type_traits>
#include <utility>

namespace pmlab::core {

template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
/// A non-owning reference to a callable: no allocation, for the inner loops.
class FunctionRef<R(Args...)> {
 public:
  /// Refers to `f`, which must outlive every call through this reference.
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f)  // NOLINT(google-explicit-constructor): binds lambdas at call sites
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* object, Args... args) -> R { return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...); }) {}

  /// Calls the referenced callable.
  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace pmlab::core
