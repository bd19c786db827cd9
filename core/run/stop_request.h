#pragma once
// Graceful stop on SIGINT / SIGTERM: the handler only records the signal; a run loop checks it
// between rounds, finishes the round, writes a checkpoint and exits 128 + signal. A second
// signal acts immediately (the handler restores the default action).
namespace pmlab::core {

/// Installs the handlers for SIGINT and SIGTERM, forgetting any signal received before.
void InstallStopHandlers();

/// The signal received since installation, or 0.
int StopSignal();

}  // namespace pmlab::core
