#!/usr/bin/env bash
# cmake --install into a temporary prefix, then: the installed espbak backs up
# the installed espsim; the man pages render without groff warnings; the
# completions load (bash) or parse (zsh, fish, when installed); cpack -G DEB
# builds a package with the expected files, whose espbak runs.
#   install_and_package.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'kill "${sim_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/espbak bin/espsim share/man/man1/espbak.1 share/man/man1/espsim.1 \
         share/bash-completion/completions/espbak share/zsh/site-functions/_espbak \
         share/fish/vendor_completions.d/espbak.fish share/doc/espbak/README.md share/doc/espbak/LICENSE \
         share/doc/espbak/NOTICE-flasher-stubs share/doc/espbak/CHANGELOG.md share/doc/espbak/cli.md; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done

# The installed programs work together: a verified backup of a simulated flash.
[ "$("$prefix/bin/espbak" --version)" = "$("$build/espbak" --version)" ] || fail "installed --version differs"
head -c 65536 /dev/urandom > "$work/data.bin"
cp "$work/data.bin" "$work/flash.bin"
dd if=/dev/zero bs=1024 count=960 2>/dev/null | tr '\0' '\377' >> "$work/flash.bin"
"$prefix/bin/espsim" --chip esp32 --flash-size 1MB --flash-file "$work/flash.bin" --listen tcp:127.0.0.1:0 \
  > "$work/sim.out" 2> "$work/sim.err" &
sim_pid=$!
port=""
for _ in $(seq 100); do
  port=$(grep -o 'socket://127.0.0.1:[0-9]*' "$work/sim.out" "$work/sim.err" 2>/dev/null | head -1 | sed 's/^[^:]*://') || true
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "espsim did not say where it listens: $(cat "$work/sim.err")"
"$prefix/bin/espbak" -q -p "$port" read_flash 0 0x10000 "$work/backup.bin" || fail "installed espbak read_flash failed"
cmp -s "$work/backup.bin" "$work/data.bin" || fail "the backup differs from the simulated flash"

# Man pages: render at a fixed width, no groff warnings.
for page in espbak espsim; do
  MANWIDTH=80 man -l "$prefix/share/man/man1/$page.1" > "$work/$page.txt" 2> "$work/$page.man.err" || fail "man -l $page.1"
  [ ! -s "$work/$page.man.err" ] || fail "man -l $page.1: $(cat "$work/$page.man.err")"
  groff -ww -man -Tutf8 "$prefix/share/man/man1/$page.1" > /dev/null 2> "$work/$page.groff.err"
  [ ! -s "$work/$page.groff.err" ] || fail "groff -ww $page.1: $(cat "$work/$page.groff.err")"
done
grep -q "read_flash" "$work/espbak.txt" || fail "espbak.1 lists no read_flash"
grep -q -- "--flash-size" "$work/espsim.txt" || fail "espsim.1 lists no --flash-size"

# Completions: bash loads and completes; zsh and fish parse where installed.
bash -c "source '$prefix/share/bash-completion/completions/espbak'
         COMP_WORDS=(espbak write-f); COMP_CWORD=1; _espbak; [[ \" \${COMPREPLY[*]} \" == *' write-flash '* ]]
         COMP_WORDS=(espbak --chip esp32c); COMP_CWORD=2; _espbak; [[ \" \${COMPREPLY[*]} \" == *' esp32c3 '* ]]" \
  || fail "bash completion"
if command -v zsh >/dev/null; then zsh -n "$prefix/share/zsh/site-functions/_espbak" || fail "zsh completion"; fi
if command -v fish >/dev/null; then fish -n "$prefix/share/fish/vendor_completions.d/espbak.fish" || fail "fish completion"; fi

# The Debian package: its files and metadata, and the espbak inside runs.
(cd "$build" && cpack -G DEB -B "$work/deb" >/dev/null) || fail "cpack -G DEB"
deb=$(ls "$work"/deb/espbak_*.deb)
dpkg-deb -c "$deb" > "$work/deb.list"
for f in ./usr/bin/espbak ./usr/bin/espsim ./usr/share/man/man1/espbak.1 ./usr/share/bash-completion/completions/espbak \
         ./usr/share/doc/espbak/NOTICE-flasher-stubs; do
  grep -q " $f\$" "$work/deb.list" || fail "the .deb lacks $f"
done
dpkg-deb -f "$deb" Package Version Depends Maintainer Description > "$work/deb.fields"
grep -q "^Package: espbak$" "$work/deb.fields" || fail ".deb Package field"
grep -q "^Version: $("$build/espbak" --version | awk '{print $2}')$" "$work/deb.fields" || fail ".deb Version field"
grep -q "^Depends: .*libc6" "$work/deb.fields" || fail ".deb Depends (dpkg-shlibdeps) field: $(cat "$work/deb.fields")"
dpkg-deb -x "$deb" "$work/root"
"$work/root/usr/bin/espbak" --version >/dev/null || fail "the packaged espbak does not run"
echo "install and package: ok"
