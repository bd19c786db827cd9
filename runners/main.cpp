// pmlab: the command line.
#include "runners/commands.h"

int main(int argc, char** argv) { return pmlab::runners::RunPmlab(argc, argv); }
