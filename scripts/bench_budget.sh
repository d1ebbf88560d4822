#!/usr/bin/env bash
# Streaming-stick budgets for the headless core (no cpal, no window): stripped binary size,
# time from launch to the first frame on disk, and peak RSS (VmHWM) while playing the demo
# at 720p and 1080p, sampled over the first SECONDS of play (default 40: the opening
# segments, with the next scenes preloaded; the whole demo at 1080p writes 4.4 GB of Y4M).
# Targets (issue 11): first frame under 1 s, peak RSS under 256 MB at 1080p.
# Usage: scripts/bench_budget.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-40}"
source scripts/env.sh
cargo build --quiet --release --no-default-features
mkdir -p target/bench
stripped=target/bench/livingfilm-headless-stripped
strip -o "$stripped" target/release/livingfilm
echo "binary (headless core, --no-default-features, stripped): $(( $(stat -c %s "$stripped") / 1024 )) KiB"
echo "onnxruntime shared library (loaded at run time): $(( $(stat -L -c %s .cache/onnxruntime/libonnxruntime.so) / 1024 )) KiB"
for size in "1280 720" "1920 1080"; do
  set -- $size
  out=target/bench/budget-${2}p
  rm -rf "$out"
  start=$(date +%s.%N)
  "$stripped" play assets/demo -b assets/demo/viewers/tense.csv --audio null \
    --width "$1" --height "$2" --png -q -o "$out" >/dev/null 2>"$out.log" &
  pid=$!
  first="" peak=0
  while kill -0 "$pid" 2>/dev/null; do
    now=$(date +%s.%N)
    if [ -z "$first" ] && [ -f "$out/frames/frame_00000.png" ]; then
      first=$(echo "$now - $start" | bc)
    fi
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "${hwm:-0}" -gt "$peak" ] && peak=$hwm
    if [ "$(echo "$now - $start > $secs" | bc)" = 1 ]; then
      kill "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.01
  done
  wait "$pid" 2>/dev/null || true
  frames=$(ls "$out/frames" 2>/dev/null | wc -l)
  printf "%sp: first frame on disk %.2f s after launch; peak RSS %d MiB over %s frames\n" \
    "$2" "${first:-0}" "$(( peak / 1024 ))" "$frames"
  rm -rf "$out"
done
