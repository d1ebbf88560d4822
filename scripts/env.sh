# Sourced by the scripts: environment for headless GPU and onnxruntime runs.
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$PWD/.cache/onnxruntime/libonnxruntime.so}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$PWD/.cache/xdg-runtime}"
export MESA_SHADER_CACHE_DIR="${MESA_SHADER_CACHE_DIR:-$PWD/.cache/mesa-shaders}"
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$PWD/.cache/xdg-cache}"
mkdir -p -m 0700 "$XDG_RUNTIME_DIR" 2>/dev/null || true
mkdir -p "$MESA_SHADER_CACHE_DIR" "$XDG_CACHE_HOME"
