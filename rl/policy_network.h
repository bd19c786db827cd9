#pragma once
// The network every policy shares: observations in, tanh (or ReLU) hidden layers (none for a
// linear policy), one output per distribution parameter the network predicts.
#include <vector>

#include "core/nn/mlp.h"
#include "core/opt/rng.h"

namespace pmlab::rl {

/// `observations` >= 1 inputs, hidden layers of `hidden` widths, `outputs` >= 1 outputs.
core::MlpShape PolicyNetwork(int observations, int outputs, const std::vector<int>& hidden,
                             core::Activation activation = core::Activation::kTanh);

/// PyTorch's default initialisation with the output layer scaled by 0.01, so that the first
/// policy barely depends on the observation (a common choice for policy-gradient methods).
template <typename T>
void InitializePolicyNetwork(const core::MlpShape& shape, core::Rng& rng, Eigen::Ref<Eigen::Matrix<T, Eigen::Dynamic, 1>> params);

}  // namespace pmlab::rl
