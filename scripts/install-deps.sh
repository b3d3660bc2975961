#!/usr/bin/env bash
# Installs everything espbak needs to build and test on Debian 12:
# the C++ libraries and tools from Debian, Node.js/npm when missing, and the
# pinned esptool-js package (stub images + interop peer) from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PKGS=(build-essential cmake pkg-config libcli11-dev libserialport-dev libfmt-dev libspdlog-dev catch2 zlib1g-dev)
# scripts/fuzz.sh: clang 14 and its runtime libraries (libFuzzer, ASan, UBSan);
# not for --demo (the README's first command builds only espbak and espsim).
if [ "${1:-}" != "--demo" ]; then PKGS+=(clang libclang-rt-14-dev); fi
# Node.js and npm only when the machine has none (some images ship their own).
if ! command -v node >/dev/null 2>&1; then PKGS+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then PKGS+=(npm); fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# Exactly the versions and hashes in package-lock.json.
if [ ! -f node_modules/esptool-js/package.json ] || ! npm ls --depth=0 >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "install-deps: ok"
