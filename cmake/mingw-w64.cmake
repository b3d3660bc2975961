# Cross-building espbak.exe and espsim.exe on Debian with mingw-w64
# (g++-mingw-w64-x86-64, libz-mingw-w64-dev): scripts/build-windows.sh.
# The posix thread model of the compiler: std::thread and std::mutex need it
# (the win32 flavour of Debian's gcc 12 has no <thread> support).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(_mingw x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${_mingw}-gcc-posix)
set(CMAKE_CXX_COMPILER ${_mingw}-g++-posix)
set(CMAKE_RC_COMPILER ${_mingw}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${_mingw})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Run the test executables under wine where it is installed (ctest, scripts/test-windows.sh).
find_program(ESPBAK_WINE NAMES wine64 wine PATHS /usr/lib/wine)  # Debian wine64 without the wine wrapper
if(ESPBAK_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${ESPBAK_WINE})
endif()
