#!/usr/bin/env bash
# 4K grading, side by side in one run: livingfilm's CPU path and GPU pass versus
# ffmpeg's lut3d filter on the same float frame, LUT and interpolation.
# Usage: [CPU_ONLY=1] scripts/bench_grade.sh [LUT.cube|big] [tetrahedral|trilinear]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
command -v ffmpeg >/dev/null || { SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo; $SUDO apt-get install -y -qq ffmpeg >/dev/null; }
lut="${1:-assets/demo/luts/tension.cube}"
if [ "$lut" = big ]; then # a smooth 65³ LUT (3.3 MB of entries: past L2, unlike the demo's 17³)
  lut=target/bench/smooth_65.cube
  mkdir -p target/bench
  python3 - "$lut" <<'PY'
import math, sys
n = 65
with open(sys.argv[1], "w") as f:
    f.write(f"TITLE \"smooth 65\"\nLUT_3D_SIZE {n}\n")
    for b in range(n):
        for g in range(n):
            for r in range(n):
                R, G, B = r / (n - 1), g / (n - 1), b / (n - 1)
                f.write(f"{R ** 0.8 * 0.9 + 0.05 * G:.6f} {math.sin(G * 1.4) / math.sin(1.4):.6f} {(B * B + R * 0.1) / 1.1:.6f}\n")
PY
fi
interp="${2:-tetrahedral}"
frames=10
mkdir -p target/bench
cargo bench --quiet --bench grade_4k -- --bench ${CPU_ONLY:+--cpu-only} "$lut" "$interp" | tee target/bench/grade_livingfilm.txt
run_ffmpeg() { # $1 = filter; prints real seconds for $frames frames
  ffmpeg -hide_banner -nostats -benchmark -f rawvideo -pix_fmt gbrpf32le -s 3840x2160 \
    -stream_loop $((frames - 1)) -i target/bench/frame_4k.gbrpf32 -vf "$1" -f null - 2>&1 \
    | sed -n 's/.*rtime=\([0-9.]*\)s.*/\1/p'
}
# Best of three runs each, alternating, as the Rust bench takes the best of three rounds.
base=9e9; lut3d=9e9
for _ in 1 2 3; do
  base=$(python3 -c "print(min($base, $(run_ffmpeg null)))")
  lut3d=$(python3 -c "print(min($lut3d, $(run_ffmpeg "lut3d=file=${lut}:interp=${interp}")))")
done
python3 - "$base" "$lut3d" "$frames" <<'PY'
import re, sys
base, lut, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
text = open("target/bench/grade_livingfilm.txt").read()
cpu_ms = float(re.search(r"cpu \w+ 3840x2160: ([0-9.]+) ms", text).group(1))
ff_total = lut / n * 1e3
ff_filter = (lut - base) / n * 1e3
print(f"ffmpeg lut3d 4K: {ff_total:.1f} ms/frame total, {ff_filter:.1f} ms/frame in the filter (null pipeline {base / n * 1e3:.1f} ms; best of 3 runs)")
print(f"livingfilm CPU 4K: {cpu_ms:.1f} ms/frame -> {ff_filter / cpu_ms:.2f}x ffmpeg's filter throughput ({ff_total / cpu_ms:.2f}x its whole pipeline)")
PY
