# The installed package as a researcher uses it: installs the build into a fresh prefix, builds
# each project of examples/ against it with find_package(pmlab), and runs it. Run by ctest as
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK=... -DGENERATOR=... -P tests/install/examples.cmake
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(prefix "${WORK}/prefix")

function(run)
  cmake_parse_arguments(PARSE_ARGV 0 arg "FAILS" "EXPECT" "COMMAND")
  execute_process(COMMAND ${arg_COMMAND} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err WORKING_DIRECTORY "${WORK}")
  string(JOIN " " shown ${arg_COMMAND})
  if(arg_FAILS AND code EQUAL 0)
    message(FATAL_ERROR "${shown}: succeeded, but should have been refused\n${out}${err}")
  elseif(NOT arg_FAILS AND NOT code EQUAL 0)
    message(FATAL_ERROR "${shown}: exit ${code}\n${out}${err}")
  endif()
  if(arg_EXPECT)
    string(FIND "${out}${err}" "${arg_EXPECT}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${shown}: the output does not say '${arg_EXPECT}'\n${out}${err}")
    endif()
  endif()
  message(STATUS "ok: ${shown}")
endfunction()

function(summary_value run key out)
  file(READ "${WORK}/${run}/summary.json" json)
  string(JSON value GET "${json}" ${key})
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# `program ARGS --iters N` stopped at `cut` and resumed ends where the unbroken run does.
function(expect_resume_equals_unbroken program name iters cut)
  run(COMMAND ${program} ${ARGN} --iters ${iters} --out runs/${name} --quiet)
  run(COMMAND ${program} ${ARGN} --iters ${cut} --out runs/${name}-cut --quiet)
  run(COMMAND ${program} resume runs/${name}-cut --iters ${iters} --quiet)
  summary_value(runs/${name} parameter_hash whole)
  summary_value(runs/${name}-cut parameter_hash resumed)
  if(NOT whole STREQUAL resumed)
    message(FATAL_ERROR "${name}: the resumed run ends at ${resumed}, the unbroken one at ${whole}")
  endif()
endfunction()

run(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(example natural-compression stale-gradients chain-env lion-server)
  run(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}/examples/${example}" -B "${WORK}/${example}" -G "${GENERATOR}"
      -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${prefix}")
  run(COMMAND ${CMAKE_COMMAND} --build "${WORK}/${example}")
endforeach()

# A compressor: listed with its parameter, run, resumed; pmlab itself refuses the checkpoint.
set(natural "${WORK}/natural-compression/natural_lab")
run(COMMAND ${natural} train --help EXPECT "deterministic=false")
run(COMMAND ${natural} train --problem quadratic --compress natural --workers 4 --iters 20 --out runs/natural --quiet)
run(COMMAND ${natural} train --problem quadratic --compress "natural(deterministic=true)" --workers 4 --iters 5 --out runs/nearest --quiet)
run(COMMAND ${natural} resume runs/natural --iters 30 --quiet)
run(FAILS COMMAND "${prefix}/bin/pmlab" resume runs/natural --iters 40 EXPECT "uses the compressor 'natural', which this program does not register")

# An oracle with problem-owned state: stopped and resumed, it ends where an unbroken run does.
set(stale "${WORK}/stale-gradients/stale_lab")
expect_resume_equals_unbroken(${stale} stale 40 17 train --problem "stale-lsq(delay=3)" --workers 4 --lr 0.05)

# An environment: listed by envs, and learned by rl.
set(chain "${WORK}/chain-env/chain_lab")
run(COMMAND ${chain} envs EXPECT "Chain-v0")
run(COMMAND ${chain} rl --env "Chain-v0(length=6)" --workers 2 --iters 30 --out runs/chain --quiet)
summary_value(runs/chain final_mean_return learned)
if(NOT learned GREATER 0.5)
  message(FATAL_ERROR "Chain-v0: a final mean return of ${learned} after 30 iterations; the goal pays 1")
endif()

# A server rule: listed, run, resumed to the unbroken run's parameters; pmlab refuses it.
set(lion "${WORK}/lion-server/lion_lab")
run(COMMAND ${lion} train --help EXPECT "beta2=0.99")
expect_resume_equals_unbroken(${lion} lion 30 12 train --problem quadratic --server lion --lr 0.01 --workers 4)
run(FAILS COMMAND "${prefix}/bin/pmlab" resume runs/lion --iters 40 EXPECT "uses the server rule 'lion', which this program does not register")

# The Python package, from the prefix alone: its module finds pmlab's libraries there.
if(PYTHON)
  run(COMMAND ${CMAKE_COMMAND} -E env "PYTHONPATH=${prefix}/${PYTHON_DIR}" ${PYTHON} -c "import pmlab; print(pmlab.__file__)"
      EXPECT "${prefix}/${PYTHON_DIR}/pmlab/__init__.py")
  run(COMMAND ${CMAKE_COMMAND} -E env "PYTHONPATH=${prefix}/${PYTHON_DIR}" ${PYTHON} "${SOURCE_DIR}/examples/python/environments.py"
      EXPECT "BipedalWalker-v3 x 64: observations (64, 24) float32")
endif()
message(STATUS "the installed package builds and runs the examples")
