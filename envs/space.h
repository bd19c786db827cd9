#pragma once
// Observation and action spaces as data, so that policies size themselves: a box of real
// vectors with per-coordinate bounds (possibly infinite), or a discrete set {0, ..., n-1},
// whose actions are passed as a vector of one entry holding the index.
#include <string>

#include <Eigen/Dense>

namespace pmlab::envs {

/// An observation or action space (see the file comment).
struct Space {
  int discrete = 0;        ///< number of actions of a discrete space; 0 for a box
  Eigen::VectorXd low;     ///< box: lower bounds; discrete: {0}
  Eigen::VectorXd high;    ///< box: upper bounds; discrete: {n - 1}
  /// The bounds are typical ranges rather than guarantees: Gymnasium declares LunarLander's
  /// observation box so, yet its angle accumulates over full turns and a light lander rises
  bool nominal = false;  ///< above y = 2.5. Kept as declared, so that policies see what they see in Gymnasium.

  /// A box with bounds `low` and `high`.
  static Space Box(Eigen::VectorXd low, Eigen::VectorXd high);
  /// The actions {0, ..., n-1}.
  static Space Discrete(int n);

  /// Whether the space is discrete.
  bool IsDiscrete() const { return discrete > 0; }
  /// Entries of a point: the box's dimension, 1 for a discrete space.
  int Dimension() const { return static_cast<int>(low.size()); }
  /// Whether `x` is a point of the space (a whole number in range for a discrete space).
  bool Contains(const Eigen::VectorXd& x) const;
  /// "Discrete(4)" or "Box(8, [-2.5, 2.5] x ...)"
  std::string ToString() const;
};

}  // namespace pmlab::envs
