#pragma once
// The parts of the Python module, each bound by its own file.
#include <pybind11/pybind11.h>

namespace pmlab::python {

/// Env, VecEnv and the environment and family listings (env_bindings.cpp).
void BindEnvironments(pybind11::module_& m);
/// TrainedPolicy and evaluate: an rl checkpoint's policy and pmlab eval's figures (run_bindings.cpp).
void BindRuns(pybind11::module_& m);
/// cli: pmlab's command line in the Python process (cli_bindings.cpp).
void BindCli(pybind11::module_& m);

}  // namespace pmlab::python
