#!/usr/bin/env bash
# Cross-builds espbak.exe, espsim.exe and tests/unit_tests.exe for 64-bit
# Windows into ./build-win with Debian's mingw-w64 (cmake/mingw-w64.cmake):
# statically linked, so they need only the DLLs every Windows has. Needs
# g++-mingw-w64-x86-64 and libz-mingw-w64-dev (apt-get install -y ...), plus
# the host's header-only CLI11, fmt and Catch2 (scripts/install-deps.sh).
# Without arguments everything is built; with target names only those.
# ESPBAK_WIN_BUILD_DIR: the build directory (default build-win);
# ESPBAK_WINDOWS_UNITY=OFF: every file compiled on its own instead of the
# unity builds and precompiled headers of cmake/windows-build-cost.cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
win_dir=${ESPBAK_WIN_BUILD_DIR:-build-win}
if ! command -v x86_64-w64-mingw32-g++-posix >/dev/null; then
  echo "build-windows: x86_64-w64-mingw32-g++-posix not found (apt-get install -y g++-mingw-w64-x86-64 libz-mingw-w64-dev)" >&2
  exit 1
fi
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$win_dir" -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DCMAKE_BUILD_TYPE=Release \
  -DESPBAK_WINDOWS_UNITY="${ESPBAK_WINDOWS_UNITY:-ON}" "${launcher[@]}" >/dev/null
if [ "$#" -gt 0 ]; then
  cmake --build "$win_dir" -j"$(nproc)" --target "$@"
else
  cmake --build "$win_dir" -j"$(nproc)" --target espbak espsim unit_tests
fi
# Only Windows system DLLs may be imported (no libstdc++, libgcc or
# libwinpthread DLL to ship).
for exe in "$win_dir"/*.exe "$win_dir"/tests/*.exe; do
  dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\s*DLL Name: //p' | tr '\n' ' ')
  for dll in $dlls; do
    case "${dll,,}" in
      kernel32.dll | advapi32.dll | setupapi.dll | cfgmgr32.dll | ws2_32.dll | msvcrt.dll | ucrtbase.dll | \
        api-ms-win-*.dll | user32.dll | shell32.dll | ole32.dll) ;;
      *) echo "build-windows: $exe imports $dll, which Windows does not ship" >&2; exit 1 ;;
    esac
  done
  echo "build-windows: $exe imports $dlls"
done
echo "build-windows: ok (${win_dir}/espbak.exe, ${win_dir}/espsim.exe)"
