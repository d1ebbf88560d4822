# Sourced by the bench scripts: `bench_venv MODULES PACKAGES…` makes .cache/bench-venv and
# installs PACKAGES (PyPI) unless every Python module in MODULES (comma-separated)
# already imports there. Each bench names what it needs, so the benches run in any
# order on a fresh machine.
#
# Importing onnxruntime in Python starts its 1DS telemetry (a device ID and an event
# database under ~/.cache/Microsoft) unless this is set, so it is set here, where the
# venv's Python first runs, whichever bench sources this file (docs/privacy.md).
export ORT_DISABLE_TELEMETRY=1

bench_venv() {
  local modules="$1"
  shift
  [ -x .cache/bench-venv/bin/python ] || python3 -m venv .cache/bench-venv
  .cache/bench-venv/bin/python -c "import ${modules}" 2>/dev/null \
    || .cache/bench-venv/bin/pip install --quiet "$@"
}
