#!/usr/bin/env bash
# Installs what livingfilm needs on Debian/Ubuntu: a software Vulkan driver
# (lavapipe), ALSA headers for cpal, a virtual X server for the window tests, and
# the onnxruntime shared library taken from its PyPI wheel into .cache/onnxruntime/.
# Idempotent; safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

ORT_VERSION=1.31.1
# xvfb/xauth: the desktop player's window tests run under a virtual X server; strace:
# tests/it/privacy_trace.rs watches every socket and file a viewing opens.
APT_PACKAGES=(mesa-vulkan-drivers libvulkan1 libasound2-dev libdbus-1-dev pkg-config xvfb xauth strace)
# pip (only to download the onnxruntime wheel) may come from anywhere.
python3 -m pip --version >/dev/null 2>&1 || APT_PACKAGES+=(python3 python3-pip)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install the Rust toolchain with rustup first" >&2
  exit 1
fi

# ORT_ARCH/ORT_DIR fetch another architecture's library (scripts/cross_aarch64.sh).
ort_dir="${ORT_DIR:-.cache/onnxruntime}"
lib=$ort_dir/libonnxruntime.so
if [ ! -f "$lib" ]; then
  arch="${ORT_ARCH:-$(uname -m)}"
  echo "setup: fetching onnxruntime $ORT_VERSION for $arch (PyPI wheel)" >&2
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform "manylinux_2_28_${arch}" "onnxruntime==${ORT_VERSION}" -d "$tmp"
  mkdir -p "$ort_dir"
  python3 - "$tmp" "$ORT_VERSION" "$ort_dir" <<'PY'
import glob, sys, zipfile
tmp, version, dest = sys.argv[1], sys.argv[2], sys.argv[3]
wheel = glob.glob(f"{tmp}/onnxruntime-*.whl")[0]
member = f"onnxruntime/capi/libonnxruntime.so.{version}"
with zipfile.ZipFile(wheel) as z, open(f"{dest}/libonnxruntime.so.{version}", "wb") as out:
    out.write(z.read(member))
PY
  ln -sf "libonnxruntime.so.${ORT_VERSION}" "$lib"
  rm -rf "$tmp"
fi
echo "setup: ok (onnxruntime at $lib)" >&2
