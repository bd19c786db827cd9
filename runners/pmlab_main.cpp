// pmlab::Main: the command line as a library call, for the pmlab program and for programs that
// register components of their own. Started by mpirun, the process joins the MPI job first, so
// that the same command spreads its workers over the job's processes (core/opt/cluster.h).
#include <pmlab/pmlab.h>

#include "runners/commands.h"

#ifdef PMLAB_MPI
#include "core/mpi/mpi_job.h"
#endif

namespace pmlab {

int Main(int argc, char** argv) {
#ifdef PMLAB_MPI
  const auto job = core::MpiJob::JoinIfLaunched(argc, argv);
  if (job) core::SetJob(*job);
#endif
  return runners::RunPmlab(argc, argv);
}

}  // namespace pmlab
