# The include half of the library boundaries (the link half: each library links only the
# libraries it may use, and core/opt's tests link pmlab_opt alone). Run by ctest as
#   cmake -DSOURCE_DIR=... -P tests/layering.cmake
# Each rule: a folder, and a regular expression its #include lines must not match.
set(problems "(supervised|metalearn|metarl|envs|rl|sweep|runners)/")
set(rules
  "core/opt|\"core/(io|run|nn|mpi)/|\"${problems}|<cereal/|<zlib|<cblas|<CLI/|<mpi"
  "core/registry|\"core/(io|run|nn|mpi)/|\"${problems}|<cereal/|<tbb/|<CLI/|<mpi"
  "core/mpi|\"core/(io|run|nn)/|\"${problems}|<cereal/|<CLI/"
  "core/io|\"core/(opt|run|nn)/|\"${problems}|<tbb/|<cblas|<CLI/"
  "core/nn|\"core/(io|run)/|\"${problems}|<cereal/|<CLI/"
  "core/run|\"core/(nn|mpi)/|\"${problems}|<cblas|<CLI/|<mpi"
  "envs|\"core/(run|nn)/|\"(supervised|metalearn|metarl|rl|runners)/|<CLI/"
  "supervised|\"(metalearn|metarl|envs|rl|runners)/|<CLI/"
  "metalearn|\"(metarl|envs|rl|runners)/|<CLI/"
  "rl|\"(supervised|metalearn|metarl|runners)/|<CLI/"
  "metarl|\"(supervised|sweep|runners)/|<CLI/"
  "sweep|\"core/nn/|\"(supervised|metalearn|metarl|envs|rl|runners)/|<CLI/"
)
set(violations "")
foreach(rule IN LISTS rules)
  string(FIND "${rule}" "|" bar)
  string(SUBSTRING "${rule}" 0 ${bar} folder)
  math(EXPR start "${bar} + 1")
  string(SUBSTRING "${rule}" ${start} -1 forbidden)
  file(GLOB_RECURSE sources "${SOURCE_DIR}/${folder}/*.h" "${SOURCE_DIR}/${folder}/*.cpp")
  foreach(source IN LISTS sources)
    file(STRINGS "${source}" includes REGEX "^#include")
    foreach(line IN LISTS includes)
      if(line MATCHES "${forbidden}")
        file(RELATIVE_PATH rel "${SOURCE_DIR}" "${source}")
        string(APPEND violations "  ${rel}: ${line}\n")
      endif()
    endforeach()
  endforeach()
endforeach()
if(violations)
  message(FATAL_ERROR "includes that cross a library boundary the wrong way:\n${violations}")
endif()
message(STATUS "library boundaries hold")
