#!/usr/bin/env python3
"""Train and export models/tension.onnx, the demo tension model (see MODEL_CARD.md).

Offline, seeded and reproducible: `python3 models/train_tension.py` rewrites the
file byte for byte. Needs only numpy and onnx (models/requirements.txt).

The labels are synthetic: a documented arousal heuristic (rising heart rate and
falling short-term HRV, i.e. vagal withdrawal, mean sympathetic arousal), not
human annotations. The point of the model is the contract and the runtime path;
replace it with a model trained on annotated viewings when one exists.
"""
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 20261127
HIDDEN = 8
# Must equal FEATURE_CONTRACT in src/inference/contract.rs.
FEATURE_CONTRACT = "v1:hr_delta_bpm/10,rmssd_ln_ratio,(hr_bpm-70)/20,quality"


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def make_data(rng, n):
    hr_delta = rng.normal(0.0, 10.0, n)
    ln_ratio = rng.normal(0.0, 0.4, n) - 0.015 * hr_delta
    hr = 70.0 + hr_delta + rng.normal(0.0, 8.0, n)
    quality = rng.uniform(0.3, 1.0, n)
    x = np.stack([hr_delta / 10.0, ln_ratio, (hr - 70.0) / 20.0, quality], axis=1)
    arousal = 1.8 * (hr_delta / 10.0) - 1.6 * ln_ratio + 0.3 * (hr - 70.0) / 20.0 - 0.4
    y = sigmoid(arousal + rng.normal(0.0, 0.15, n))
    return x.astype(np.float64), y[:, None]


def train(x, y, rng, steps=3000, lr=0.02):
    w1 = rng.normal(0, 0.5, (4, HIDDEN)); b1 = np.zeros(HIDDEN)
    w2 = rng.normal(0, 0.5, (HIDDEN, 1)); b2 = np.zeros(1)
    params = [w1, b1, w2, b2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for step in range(1, steps + 1):
        h = np.tanh(x @ w1 + b1)
        p = sigmoid(h @ w2 + b2)
        g_out = 2.0 * (p - y) * p * (1 - p) / len(x)
        g_w2 = h.T @ g_out; g_b2 = g_out.sum(0)
        g_h = g_out @ w2.T * (1 - h * h)
        g_w1 = x.T @ g_h; g_b1 = g_h.sum(0)
        for i, g in enumerate([g_w1, g_b1, g_w2, g_b2]):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            mh = m[i] / (1 - 0.9 ** step); vh = v[i] / (1 - 0.999 ** step)
            params[i] -= lr * mh / (np.sqrt(vh) + 1e-8)
    return params


def export(params, path):
    w1, b1, w2, b2 = [p.astype(np.float32) for p in params]
    inits = [numpy_helper.from_array(a, n) for a, n in
             [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2")]]
    nodes = [
        helper.make_node("Gemm", ["features", "w1", "b1"], ["h_pre"]),
        helper.make_node("Tanh", ["h_pre"], ["h"]),
        helper.make_node("Gemm", ["h", "w2", "b2"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["tension"]),
    ]
    graph = helper.make_graph(
        nodes, "livingfilm_tension",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("tension", TensorProto.FLOAT, ["N", 1])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="livingfilm/models/train_tension.py")
    model.ir_version = 9
    helper.set_model_props(model, {
        "livingfilm.feature_contract": FEATURE_CONTRACT,
        "livingfilm.model_card": "models/MODEL_CARD.md",
        "livingfilm.training": f"synthetic arousal heuristic, seed {SEED}",
    })
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


def main():
    rng = np.random.default_rng(SEED)
    x, y = make_data(rng, 20000)
    params = train(x[:16000], y[:16000], rng)
    w1, b1, w2, b2 = params
    pred = sigmoid(np.tanh(x[16000:] @ w1 + b1) @ w2 + b2)
    mae = float(np.abs(pred - y[16000:]).mean())
    out = pathlib.Path(__file__).with_name("tension.onnx")
    export(params, out)
    # Reference points for the Rust test (tests/inference.rs).
    probe = np.array([[0, 0, 0, 1], [2, -0.6, 1, 1], [-1, 0.4, -0.5, 1]], dtype=np.float32)
    ref = sigmoid(np.tanh(probe.astype(np.float64) @ w1 + b1) @ w2 + b2)
    print(f"held-out MAE {mae:.4f}; wrote {out}")
    for row, r in zip(probe, ref[:, 0]):
        print("probe", row.tolist(), "->", f"{r:.6f}")


if __name__ == "__main__":
    main()
