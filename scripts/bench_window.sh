#!/usr/bin/env bash
# Frame pacing of the desktop player on this machine's GPU (lavapipe here) in a 1280x720
# Xvfb window: the film at its own size (scaled up) and rendered at 1280x720, HUD on,
# 30 s of the demo each. Prints the window's frame-interval and redraw percentiles next to
# the film's frame period and the render stage's own rate in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
cargo build --release --quiet
secs="${1:-30}"
out=target/bench-window
rm -rf "$out"
mkdir -p "$out"
printf '%s quit\n' "$secs" > "$out/script.txt"
for size in native 1280x720; do
  extra=()
  [ "$size" = native ] || extra=(--width "${size%x*}" --height "${size#*x}")
  xvfb-run -a -s "-screen 0 1280x720x24" ./target/release/livingfilm play assets/demo --window \
    --input-script "$out/script.txt" "${extra[@]}" -o "$out/$size" 2>/dev/null >/dev/null
done
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
print("| film rendered at | frame interval p50 / p95 / p99 (ms) | redraw p50 / p95 / p99 (ms) | shown | dropped | render stage fps | film period (ms) |")
print("|---|---|---|---|---|---|---|")
for size in ["native", "1280x720"]:
    d = json.load(open(f"{out}/{size}/desktop.json"))
    r = json.load(open(f"{out}/{size}/report.json"))
    f, w = d["frame_interval_ms"], d["redraw_ms"]
    label = f'{r["render"]["width"]}x{r["render"]["height"]}'
    print(f'| {label} | {f["p50"]:.1f} / {f["p95"]:.1f} / {f["p99"]:.1f} | {w["p50"]:.1f} / {w["p95"]:.1f} / {w["p99"]:.1f} '
          f'| {d["frames_shown"]} | {d["frames_dropped"]} | {r["render"]["render_fps"]:.1f} | {1000 / r["render"]["fps"]:.1f} |')
print(f'adapter: {d["adapter"]}; surface: {d["surface"]}; window {d["window"][0]}x{d["window"][1]}')
PY
