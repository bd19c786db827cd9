#include "core/opt/cluster.h"

namespace pmlab::core {
namespace {

Cluster*& Installed() {
  static LocalCluster local;
  static Cluster* job = &local;
  return job;
}

}  // namespace

Cluster& ThisJob() { return *Installed(); }
void SetJob(Cluster& job) { Installed() = &job; }

}  // namespace pmlab::core
