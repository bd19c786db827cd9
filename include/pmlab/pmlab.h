#pragma once
/// \file
/// pmlab as a library: everything a program needs to add its own components (server rules;
/// compressors, clippers and error-feedback rules at the workers; train problems with their own
/// oracle and state; meta task families; environments and their families; RL estimators) and
/// to run them with pmlab's whole command line.
///
/// \code
/// #include <pmlab/pmlab.h>
/// PMLAB_REGISTER(pmlab::core::Compressors(), "my-compressor", "what it does", [](pmlab::Spec& spec) { ... });
/// int main(int argc, char** argv) { return pmlab::Main(argc, argv); }
/// \endcode
///
/// docs/extending.md walks through each extension point.
#include "core/opt/clipping.h"
#include "core/opt/compressor.h"
#include "core/opt/error_feedback.h"
#include "core/opt/gradient_oracle.h"
#include "core/opt/momentum_server.h"
#include "core/registry/registry.h"
#include "core/run/problem_state.h"
#include "core/run/run_session.h"
#include "envs/environment.h"
#include "envs/registry.h"
#include "metalearn/meta_experiment.h"
#include "rl/estimator.h"
#include "supervised/train_experiment.h"

namespace pmlab {

/// pmlab's command line with every registered component: `train`, `meta`, `rl`, `resume`,
/// `eval`, `sweep`, ... exactly as the pmlab program runs them. Started by mpirun, the process
/// first joins the job, so the same runs spread over processes. Returns the exit code.
int Main(int argc, char** argv);

}  // namespace pmlab
