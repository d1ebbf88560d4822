# Sourced by the scripts: environment for headless GPU and onnxruntime runs.
# onnxruntime's own telemetry (1DS: device ID, event database, uploads) starts when its
# environment is created unless this is set; the binaries set it too, and this covers
# the Python onnxruntime of the benches (docs/privacy.md).
export ORT_DISABLE_TELEMETRY=1
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$PWD/.cache/onnxruntime/libonnxruntime.so}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$PWD/.cache/xdg-runtime}"
export MESA_SHADER_CACHE_DIR="${MESA_SHADER_CACHE_DIR:-$PWD/.cache/mesa-shaders}"
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$PWD/.cache/xdg-cache}"
mkdir -p -m 0700 "$XDG_RUNTIME_DIR" 2>/dev/null || true
mkdir -p "$MESA_SHADER_CACHE_DIR" "$XDG_CACHE_HOME"
