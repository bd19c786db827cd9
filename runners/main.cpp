// pmlab: the command line. Started by mpirun, the process joins the MPI job first, so that the
// same command spreads its workers over the job's processes (core/opt/cluster.h).
#include "runners/commands.h"

#ifdef PMLAB_MPI
#include "core/mpi/mpi_job.h"
#endif

int main(int argc, char** argv) {
#ifdef PMLAB_MPI
  const auto job = pmlab::core::MpiJob::JoinIfLaunched(argc, argv);
  if (job) pmlab::core::SetJob(*job);
#endif
  return pmlab::runners::RunPmlab(argc, argv);
}
