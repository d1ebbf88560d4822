#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo fuzz, libFuzzer) of the parsers that take outside
# bytes: BLE heart-rate packets, companion lines, replay files, .cube LUTs, film
# manifests (run through the controller and audited against their guardrails), scenes
# (.lfscene), splat captures (.ply), uplink endpoint URLs (accepted only as https or
# loopback http, never with user-info), and
# audio files (every symphonia format the player reads).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30; needs the nightly toolchain)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain on this machine; skipped" >&2
  exit 0
fi
command -v cargo-fuzz >/dev/null || cargo install --locked --quiet cargo-fuzz
targets=(ble_packet companion_line replay_text cube_text manifest_text audio_bytes scene_bytes splat_ply uplink_url)
# Build every target once (ASan, release), then fuzz them side by side: each libFuzzer
# run uses one core, so as many run at once as there are cores, each for the full time.
t0=$(date +%s)
cargo +nightly fuzz build --fuzz-dir fuzz >fuzz/build.log 2>&1 || { tail -40 fuzz/build.log >&2; exit 1; }
echo "fuzz: built ${#targets[@]} targets in $(( $(date +%s) - t0 )) s"
run_target() {
  local target=$1
  mkdir -p "fuzz/corpus/$target"
  cp -n fuzz/seeds/$target/* "fuzz/corpus/$target/" 2>/dev/null || true
  local log="fuzz/corpus/$target.log"
  if ! cargo +nightly fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz: $target failed (crash inputs, if any, are in fuzz/artifacts/$target/)" >&2
    return 1
  fi
  echo "fuzz: $target for ${secs}s: $(grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" | tr -s ' ' | paste -sd ' ')"
}
export -f run_target
export secs
jobs=$(getconf _NPROCESSORS_ONLN)
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_target "$1"' _ {}
echo "fuzz: all targets clean"
