#!/usr/bin/env bash
# Installs everything espbak needs to build and test on Debian 12:
# the C++ libraries and tools from Debian, Node.js/npm when missing, and the
# pinned esptool-js package (stub images + interop peer) from package-lock.json.
# --windows instead installs only what the Windows cross build and its tests
# need (scripts/build-windows.sh, scripts/test-windows.sh; .ci/run's Windows
# step): Debian's mingw-w64 C++ compiler and zlib, and wine64, without their
# recommended packages (about 170 MB of .debs).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Installs those of the packages named that are not installed yet.
install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${APT_FLAGS[@]}" "${missing[@]}"
}

if [ "${1:-}" = "--windows" ]; then
  APT_FLAGS=(--no-install-recommends)
  install_missing g++-mingw-w64-x86-64 libz-mingw-w64-dev wine64
  echo "install-deps: ok (Windows cross build: g++-mingw-w64-x86-64 libz-mingw-w64-dev wine64)"
  exit 0
fi
APT_FLAGS=()

PKGS=(build-essential cmake pkg-config libcli11-dev libserialport-dev libfmt-dev libspdlog-dev catch2 zlib1g-dev)
# scripts/fuzz.sh: clang 14 and its runtime libraries (libFuzzer, ASan, UBSan);
# not for --demo (the README's first command builds only espbak and espsim).
if [ "${1:-}" != "--demo" ]; then PKGS+=(clang libclang-rt-14-dev); fi
# Node.js and npm only when the machine has none (some images ship their own).
if ! command -v node >/dev/null 2>&1; then PKGS+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then PKGS+=(npm); fi

install_missing "${PKGS[@]}"

# Exactly the versions and hashes in package-lock.json.
if [ ! -f node_modules/esptool-js/package.json ] || ! npm ls --depth=0 >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "install-deps: ok"
