# Sourced by the bench scripts: `bench_venv MODULES PACKAGES…` makes .cache/bench-venv and
# installs PACKAGES (PyPI) unless every Python module in MODULES (comma-separated)
# already imports there. Each bench names what it needs, so the benches run in any
# order on a fresh machine.
bench_venv() {
  local modules="$1"
  shift
  [ -x .cache/bench-venv/bin/python ] || python3 -m venv .cache/bench-venv
  .cache/bench-venv/bin/python -c "import ${modules}" 2>/dev/null \
    || .cache/bench-venv/bin/pip install --quiet "$@"
}
