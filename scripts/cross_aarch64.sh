#!/usr/bin/env bash
# Firmware check: builds the headless core (no cpal, no window; CPU renderer, so no GPU
# is needed) and the C ABI library for aarch64-unknown-linux-gnu with Debian's cross
# linker, builds examples/c_host for aarch64 too, runs both on the demo under
# qemu-aarch64, and compares their cut IDs with the x86_64 CLI's for the same inputs.
# Installs what it needs (cross gcc, qemu-user-static, the rust target, the aarch64
# onnxruntime library from its PyPI wheel). Usage: scripts/cross_aarch64.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
TARGET=aarch64-unknown-linux-gnu
SYSROOT=/usr/aarch64-linux-gnu

missing=()
for p in gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cross: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET"
ORT_ARCH=aarch64 ORT_DIR=.cache/onnxruntime-aarch64 bash scripts/setup.sh

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
# Warnings in code only aarch64 compiles (no AVX2 path) fail the build, as clippy does on x86_64.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-D warnings"
# The check runs the binaries, it never debugs them: release without the line tables
# the benches' profile keeps (a third less to compile and link under cross).
export CARGO_PROFILE_RELEASE_DEBUG=0
start=$(date +%s)
# The CLI and the C library in one build: two builds would resolve features apart (the
# CLI's clap turns on syn's `full` and rustix's `termios`) and compile everything built on
# them twice. The library here is checked for behaviour (the cut ID); the library a TV
# ships, `cargo build --release -p livingfilm-ffi`, is the same code without the CLI's
# progress line and plot (docs/c-abi.md).
cargo build --quiet --release --target "$TARGET" --no-default-features \
  -p livingfilm --bin livingfilm -p livingfilm-ffi --lib
out=target/$TARGET/release
echo "cross: built in $(( $(date +%s) - start )) s ($(readelf -h "$out/livingfilm" | sed -n "s/ *Machine: *//p"))"
aarch64-linux-gnu-gcc -std=c11 -Wall -Wextra -Werror -O2 -Iinclude \
  -o "$out/c_host" examples/c_host/main.c -L"$out" -llivingfilm

work=target/cross-check
rm -rf "$work" && mkdir -p "$work/data"
args=(assets/demo -b assets/demo/viewers/tense.csv --seed 7 --width 48 --height 27
      --render cpu --audio null --providers cpu -q)
cargo build --quiet --bin livingfilm
LIVINGFILM_DATA_DIR="$work/data" target/debug/livingfilm play "${args[@]}" -o "$work/x86_64" >/dev/null 2>&1
x86=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cut_id"])' "$work/x86_64/report.json")

# qemu 7 shows aarch64 code the host's x86 /proc/cpuinfo, which onnxruntime's CPU
# detection crashes on; a preloaded shim hands it an aarch64 one (Cortex-A53 cores, as
# in most sticks) instead. Test tooling only (scripts/qemu/).
aarch64-linux-gnu-gcc -shared -fPIC -O2 -o "$work/cpuinfo_shim.so" scripts/qemu/cpuinfo_shim.c -ldl
for i in $(seq 0 $(( $(getconf _NPROCESSORS_CONF) - 1 ))); do
  printf 'processor\t: %d\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n' "$i"
done >"$work/cpuinfo"
export LIVINGFILM_FAKE_CPUINFO=$PWD/$work/cpuinfo
qemu() { qemu-aarch64-static -L "$SYSROOT" -E LD_PRELOAD="$PWD/$work/cpuinfo_shim.so" "$@"; }
arm_ort=$PWD/.cache/onnxruntime-aarch64/libonnxruntime.so
start=$(date +%s)
ORT_DYLIB_PATH=$arm_ort LIVINGFILM_DATA_DIR="$work/data" \
  qemu "$out/livingfilm" play "${args[@]}" -o "$work/aarch64" >/dev/null 2>"$work/aarch64.log" || {
  cat "$work/aarch64.log" >&2; exit 1; }
arm=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cut_id"])' "$work/aarch64/report.json")
echo "cross: aarch64 CLI under qemu in $(( $(date +%s) - start )) s"

mkdir -p "$work/c_host"
ORT_DYLIB_PATH=$arm_ort LD_LIBRARY_PATH="$PWD/$out" \
  qemu "$out/c_host" assets/demo assets/demo/viewers/tense.csv "$work/c_host" \
  "{\"render\": \"cpu\", \"width\": 48, \"height\": 27, \"seed\": 7, \"providers\": \"cpu\", \"data_dir\": \"$work/data\"}" \
  >"$work/c_host.log" 2>&1 || { cat "$work/c_host.log" >&2; exit 1; }
host=$(cat "$work/c_host/cut_id.txt")

echo "cross: x86_64 CLI      $x86"
echo "cross: aarch64 CLI     $arm"
echo "cross: aarch64 c_host  $host"
if [ "$x86" != "$arm" ] || [ "$x86" != "$host" ]; then
  echo "cross: cut IDs differ between architectures" >&2
  exit 1
fi
echo "cross: aarch64 plays the demo with the x86_64 cut ID"
