#!/usr/bin/env bash
# Sets up, builds (release) and plays the demo film. Headless when no audio device
# opens: frames, mix and report go to out/<viewer>/, the cut ID to the terminal.
# Usage: scripts/demo.sh [calm|tense] [extra `livingfilm play` flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
viewer="${1:-tense}"; shift || true
cargo build --release --quiet
exec ./target/release/livingfilm play assets/demo \
  --biometrics "assets/demo/viewers/${viewer}.csv" --out "out/${viewer}" --png "$@"
