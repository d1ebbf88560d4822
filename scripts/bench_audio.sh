#!/usr/bin/env bash
# Audio benchmarks in one run: mixer throughput and block times, the device callback's
# body against its period, and decode per codec side by side with ffmpeg decoding the
# same files (needs ffmpeg on PATH: apt-get install ffmpeg).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo bench --quiet --bench audio -- --bench
