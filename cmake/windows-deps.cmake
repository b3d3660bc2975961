# Dependencies of the Windows cross build (cmake/mingw-w64.cmake). Debian's
# mingw-w64 packages bring zlib only; CLI11, fmt (used header-only) and
# Catch2 v2 are plain headers, so the build uses the host's copies: only
# their own directories are linked into a private include directory, never
# /usr/include itself, so no Linux system header can be picked up.
set(_host_headers ${CMAKE_BINARY_DIR}/host-headers)
file(MAKE_DIRECTORY ${_host_headers})
foreach(_dir CLI fmt catch2)
  if(NOT EXISTS /usr/include/${_dir})
    message(FATAL_ERROR "Windows build: /usr/include/${_dir} missing (install libcli11-dev, libfmt-dev, catch2)")
  endif()
  if(NOT EXISTS ${_host_headers}/${_dir})
    file(CREATE_LINK /usr/include/${_dir} ${_host_headers}/${_dir} SYMBOLIC)
  endif()
endforeach()

add_library(espbak_host_headers INTERFACE)
target_include_directories(espbak_host_headers SYSTEM INTERFACE ${_host_headers})
add_library(fmt::fmt-header-only ALIAS espbak_host_headers)
add_library(CLI11::CLI11 ALIAS espbak_host_headers)
add_library(Catch2::Catch2 ALIAS espbak_host_headers)
add_compile_definitions(FMT_HEADER_ONLY=1 _WIN32_WINNT=0x0A00 WIN32_LEAN_AND_MEAN NOMINMAX)

set(ZLIB_USE_STATIC_LIBS ON)
find_package(ZLIB REQUIRED)
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
# No DLLs to ship: the C++ runtime, libgcc and winpthread are linked in.
add_link_options(-static)
