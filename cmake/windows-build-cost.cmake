# What the Windows cross build (scripts/build-windows.sh) costs to compile:
# CI pays it on 2 cores within its 20 minutes (issue 16), so this build,
# and only this one (the Linux build's flags are untouched), is made cheap.
# Included by CMakeLists.txt once every target exists. Figures: docs/benchmarks.md
# "Windows cross build".
#  - Unity builds: a layer's sources compiled as a few large files, so the
#    heavy headers (fmt, which is header-only here and so also compiles its
#    formatting code in every file using it, CLI11, the C++ library) are
#    parsed and code-generated a few times per library instead of once per
#    source file.
#  - Precompiled Catch2 for the unit tests, whose files stay separate (their
#    helpers share names across files).
# ON by default; -DESPBAK_WINDOWS_UNITY=OFF (or ESPBAK_WINDOWS_UNITY=OFF for
# scripts/build-windows.sh) compiles every file on its own, as the Linux build.
option(ESPBAK_WINDOWS_UNITY "Windows build: unity builds and precompiled headers" ON)
if(NOT ESPBAK_WINDOWS_UNITY)
  return()
endif()

set(_espbak_unity_targets espbak_util espbak_protocol espbak_image espbak_backup espbak_net espbak_link
    espbak_loader espbak_ops espbak_cli espsim_lib)
set_target_properties(${_espbak_unity_targets} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 12)
# espbak_chips stays one file per chip: each chip row's file names its
# eFuse fields and helpers alike (kEfuse, describe, ...), as data.

# Not merged with their neighbours:
#  - *_win.cpp: <windows.h> defines macros (ERROR, DELETE, interface, ...)
#    that must not reach the files after them;
#  - helpers of the same name as a neighbour's (trim, u16_at, joined,
#    SteadyClock), each in its own anonymous namespace.
file(GLOB _espbak_win_sources ${PROJECT_SOURCE_DIR}/src/*/*_win.cpp ${PROJECT_SOURCE_DIR}/tools/espsim/*_win.cpp)
set_source_files_properties(
  ${_espbak_win_sources}
  ${PROJECT_SOURCE_DIR}/src/util/ini.cpp
  ${PROJECT_SOURCE_DIR}/src/image/image_info.cpp
  ${PROJECT_SOURCE_DIR}/src/cli/usage_errors.cpp
  ${PROJECT_SOURCE_DIR}/src/link/rfc2217.cpp
  TARGET_DIRECTORY ${_espbak_unity_targets}
  PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)

if(TARGET unit_tests)
  target_precompile_headers(unit_tests PRIVATE <catch2/catch.hpp> <fmt/format.h>)
  # CATCH_CONFIG_MAIN must come before Catch2's header: not precompiled.
  set_source_files_properties(${PROJECT_SOURCE_DIR}/tests/unit/main.cpp TARGET_DIRECTORY unit_tests
                              PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
endif()
