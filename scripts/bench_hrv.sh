#!/usr/bin/env bash
# Per-beat windowed HRV, side by side in one run: livingfilm's incremental update vs
# NeuroKit2's hrv_time on the same trailing 10/30/60 s windows of the same real series.
# Creates .cache/bench-venv (PyPI: neurokit2, numpy) on first use.
# Usage: scripts/bench_hrv.sh [BEATS_FOR_NEUROKIT2]   (default 300: NeuroKit2 is slow)
set -euo pipefail
cd "$(dirname "$0")/.."
beats="${1:-300}"
series=tests/data/physio/nni/SampleNNISeriesLong.csv
source scripts/bench_venv.sh
bench_venv neurokit2,numpy neurokit2==0.2.13 numpy
mkdir -p target/bench
cargo bench --quiet --bench hrv_update -- --bench | tee target/bench/hrv_livingfilm.txt
py=$(.cache/bench-venv/bin/python scripts/bench_hrv_neurokit.py "$series" "$beats")
python3 - "$py" <<'PY'
import json, re, sys
p = json.loads(sys.argv[1])
ns = float(re.search(r"([0-9.]+) ns", open("target/bench/hrv_livingfilm.txt").read()).group(1))
print(f"NeuroKit2 {p['neurokit2']}: {p['us_per_beat']:.0f} us per beat (3 windows, {p['beats']} beats)")
print(f"livingfilm: {ns:.0f} ns per beat -> {p['us_per_beat'] * 1e3 / ns:,.0f}x faster")
PY
