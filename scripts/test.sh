#!/usr/bin/env bash
# Sets up and runs the whole test suite (unit, integration, CLI, GPU on lavapipe,
# ALSA file sink, loopback uplink). Needs no GPU and no sound card.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
cargo test --workspace --all-targets "$@"
