#include "envs/space.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace pmlab::envs {

Space Space::Box(Eigen::VectorXd low, Eigen::VectorXd high) {
  if (low.size() != high.size() || low.size() == 0 || (low.array() > high.array()).any())
    throw std::invalid_argument("a box needs bounds of one positive size with low <= high");
  Space s;
  s.low = std::move(low);
  s.high = std::move(high);
  return s;
}

Space Space::Discrete(int n) {
  if (n < 1) throw std::invalid_argument("a discrete space needs at least one action");
  Space s;
  s.discrete = n;
  s.low = Eigen::VectorXd::Zero(1);
  s.high = Eigen::VectorXd::Constant(1, n - 1);
  return s;
}

bool Space::Contains(const Eigen::VectorXd& x) const {
  if (x.size() != low.size() || !x.allFinite()) return false;
  if (IsDiscrete() && x[0] != std::floor(x[0])) return false;
  return (x.array() >= low.array()).all() && (x.array() <= high.array()).all();
}

std::string Space::ToString() const {
  if (IsDiscrete()) return "Discrete(" + std::to_string(discrete) + ")";
  std::ostringstream out;
  out << "Box(" << low.size() << ", ";
  for (Eigen::Index i = 0; i < low.size(); ++i) out << (i ? " x " : "") << "[" << low[i] << ", " << high[i] << "]";
  out << ")";
  return out.str();
}

}  // namespace pmlab::envs
