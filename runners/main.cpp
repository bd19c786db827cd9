// The pmlab program: the command line with pmlab's own components (pmlab_main.cpp).
#include <pmlab/pmlab.h>

int main(int argc, char** argv) { return pmlab::Main(argc, argv); }
