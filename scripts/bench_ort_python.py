#!/usr/bin/env python3
"""Python onnxruntime on the same model and input as `livingfilm model bench`.

Input: the deterministic ramp k/n (dynamic dimensions = 1), like the Rust side.
Session: one intra-op and one inter-op thread, all graph optimisations, CPU provider.
Prints one JSON line: p50_us, p99_us, mean_us, runs_per_s.
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    warmup = 1000
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    feeds = {}
    for i in sess.get_inputs():
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in i.shape]
        n = int(np.prod(shape))
        feeds[i.name] = (np.arange(n) / n).astype(np.float32).reshape(shape)
    times = []
    for k in range(warmup + runs):
        t0 = time.perf_counter_ns()
        sess.run(None, feeds)
        dt = time.perf_counter_ns() - t0
        if k >= warmup:
            times.append(dt)
    times.sort()
    pct = lambda p: times[max(1, min(len(times), int(np.ceil(p / 100 * len(times))))) - 1] / 1e3
    mean = sum(times) / len(times)
    print(json.dumps({"onnxruntime": ort.__version__, "runs": runs, "p50_us": pct(50), "p99_us": pct(99),
                      "mean_us": mean / 1e3, "runs_per_s": 1e9 / mean}))


if __name__ == "__main__":
    main()
