#!/usr/bin/env bash
# 4K grading, side by side in one run: livingfilm's CPU path and GPU pass versus
# ffmpeg's lut3d filter on the same float frame, LUT and interpolation.
# Usage: scripts/bench_grade.sh [LUT.cube] [tetrahedral|trilinear]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
command -v ffmpeg >/dev/null || { SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo; $SUDO apt-get install -y -qq ffmpeg >/dev/null; }
lut="${1:-assets/demo/luts/tension.cube}"
interp="${2:-tetrahedral}"
frames=10
mkdir -p target/bench
cargo bench --quiet --bench grade_4k -- --bench "$lut" "$interp" | tee target/bench/grade_livingfilm.txt
run_ffmpeg() { # $1 = filter; prints real seconds for $frames frames
  ffmpeg -hide_banner -nostats -benchmark -f rawvideo -pix_fmt gbrpf32le -s 3840x2160 \
    -stream_loop $((frames - 1)) -i target/bench/frame_4k.gbrpf32 -vf "$1" -f null - 2>&1 \
    | sed -n 's/.*rtime=\([0-9.]*\)s.*/\1/p'
}
base=$(run_ffmpeg null)
lut3d=$(run_ffmpeg "lut3d=file=${lut}:interp=${interp}")
python3 - "$base" "$lut3d" "$frames" <<'PY'
import re, sys
base, lut, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
text = open("target/bench/grade_livingfilm.txt").read()
cpu_ms = float(re.search(r"cpu \w+ 3840x2160: ([0-9.]+) ms", text).group(1))
ff_total = lut / n * 1e3
ff_filter = (lut - base) / n * 1e3
print(f"ffmpeg lut3d 4K: {ff_total:.1f} ms/frame total, {ff_filter:.1f} ms/frame in the filter (null pipeline {base / n * 1e3:.1f} ms)")
print(f"livingfilm CPU 4K: {cpu_ms:.1f} ms/frame -> {ff_filter / cpu_ms:.2f}x ffmpeg's filter throughput ({ff_total / cpu_ms:.2f}x its whole pipeline)")
PY
