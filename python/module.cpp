// The compiled half of the Python package: pmlab._pmlab. The package (python/pmlab/) gives it
// Gymnasium's interface.
#include <pybind11/pybind11.h>

#include "python/bindings.h"

PYBIND11_MODULE(_pmlab, m) {
  m.doc() = "pmlab's C++ core for Python; use the pmlab package, not this module";
  pmlab::python::BindEnvironments(m);
  pmlab::python::BindRuns(m);
  pmlab::python::BindCli(m);
}
