#pragma once
// Numeric types shared by every pmlab module. Training runs in single precision (as the
// paper's PyTorch experiments do); gradient checks instantiate the same templates in double.
#include <Eigen/Core>

namespace pmlab::core {

using Vector = Eigen::VectorXf;
using Matrix = Eigen::MatrixXf;
using Index = Eigen::Index;

}  // namespace pmlab::core
