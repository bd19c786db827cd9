#pragma once
// Running observation normalisation: each entry is centred and scaled by the mean and
// variance of every observation seen in training so far, then clipped to +-10 (as
// Stable-Baselines3's VecNormalize does). Workers count their own observations during an
// iteration; the run merges the counts in worker order afterwards (Chan et al.'s pairwise
// update), so the statistics, and every later iteration, are the same for any thread count.
#include <cstdint>

#include <Eigen/Core>

#include "core/io/checkpoint_archive.h"

namespace pmlab::rl {

/// Count, mean and sum of squared deviations of a stream of vectors, in double precision.
struct RunningMoments {
  std::int64_t count = 0;
  Eigen::VectorXd mean, m2;

  explicit RunningMoments(int size = 0) : mean(Eigen::VectorXd::Zero(size)), m2(Eigen::VectorXd::Zero(size)) {}

  /// Welford's update with one observation.
  void Add(const Eigen::VectorXd& x);
  /// Chan et al.'s update with the moments of another stream.
  void Merge(const RunningMoments& other);
  void Clear();
  /// Variance of the observations so far (1 before any).
  Eigen::VectorXd Variance() const;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(count, mean, m2);
  }
};

class ObservationNormalizer {
 public:
  static constexpr double kClip = 10;

  /// `enabled` false passes observations through unchanged (cast to float).
  ObservationNormalizer(int size, bool enabled);

  bool enabled() const { return enabled_; }
  const RunningMoments& moments() const { return moments_; }
  RunningMoments& moments() { return moments_; }

  /// The policy's input for a raw observation, with the statistics as of the last Refresh.
  template <typename Out>
  void Normalize(const Eigen::VectorXd& raw, Out&& out) const {
    if (!enabled_) {
      out = raw.cast<typename std::decay_t<Out>::Scalar>();
      return;
    }
    out = ((raw - shift_).cwiseProduct(scale_)).cwiseMax(-kClip).cwiseMin(kClip).template cast<typename std::decay_t<Out>::Scalar>();
  }

  /// Recomputes the shift and scale from the moments (after merging, or loading).
  void Refresh();

 private:
  bool enabled_;
  RunningMoments moments_;
  Eigen::VectorXd shift_, scale_;
};

}  // namespace pmlab::rl
