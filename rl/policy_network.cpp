#include "rl/policy_network.h"

#include <stdexcept>

namespace pmlab::rl {

core::MlpShape PolicyNetwork(int observations, int outputs, const std::vector<int>& hidden, core::Activation activation) {
  if (observations < 1) throw std::invalid_argument("a policy needs at least one observation entry");
  if (outputs < 1) throw std::invalid_argument("a policy needs at least one output");
  core::MlpShape shape{{observations}, activation};
  shape.widths.insert(shape.widths.end(), hidden.begin(), hidden.end());
  shape.widths.push_back(outputs);
  return shape;
}

template <typename T>
void InitializePolicyNetwork(const core::MlpShape& shape, core::Rng& rng, Eigen::Ref<Eigen::Matrix<T, Eigen::Dynamic, 1>> params) {
  core::Mlp<T>::Initialize(shape, rng, params);
  const auto& w = shape.widths;
  params.tail(core::Index{w[w.size() - 1]} * (w[w.size() - 2] + 1)) *= T(0.01);
}

template void InitializePolicyNetwork<float>(const core::MlpShape&, core::Rng&, Eigen::Ref<Eigen::VectorXf>);
template void InitializePolicyNetwork<double>(const core::MlpShape&, core::Rng&, Eigen::Ref<Eigen::VectorXd>);

}  // namespace pmlab::rl
