#!/usr/bin/env bash
# Inference benchmarks, side by side in one run: livingfilm (Rust, ort) vs Python
# onnxruntime on the same model, input and session settings; then the
# sensor-to-directive latency. Creates .cache/bench-venv (PyPI: onnxruntime, numpy).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
model="${1:-models/tension.onnx}"
runs="${RUNS:-20000}"
source scripts/bench_venv.sh
bench_venv onnxruntime,numpy onnxruntime==1.31.1 numpy==2.4.6
cargo build --release --quiet
rust=$(./target/release/livingfilm model bench "$model" --providers cpu --runs "$runs" --json 2>/dev/null)
py=$(.cache/bench-venv/bin/python scripts/bench_ort_python.py "$model" "$runs")
python3 - "$rust" "$py" <<'PY'
import json, sys
r, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'':18}{'p50 us':>10}{'p99 us':>10}{'runs/s':>12}")
print(f"{'livingfilm (ort)':18}{r['p50_us']:>10.2f}{r['p99_us']:>10.2f}{r['runs_per_s']:>12.0f}")
print(f"{'python ort ' + p['onnxruntime']:18}{p['p50_us']:>10.2f}{p['p99_us']:>10.2f}{p['runs_per_s']:>12.0f}")
print(f"ratio (python / livingfilm): p50 {p['p50_us'] / r['p50_us']:.2f}x, throughput {r['runs_per_s'] / p['runs_per_s']:.2f}x")
PY
cargo bench --quiet --bench sensor_to_directive
