"""NeuroKit2 computing the same per-beat windowed features as livingfilm's incremental
update: after each beat, hrv_time over the trailing 10, 30 and 60 s of NN intervals.
Prints JSON: microseconds per beat (all three windows) over the first N beats."""
import json
import sys
import time
import warnings

import numpy as np
import neurokit2 as nk

warnings.filterwarnings("ignore")
path, n = sys.argv[1], int(sys.argv[2])
nn = np.loadtxt(path, skiprows=1)[:n]
t = np.cumsum(nn) / 1000.0
peaks_ms = np.concatenate([[0], np.cumsum(nn)]).astype(int)
start = time.perf_counter()
done = 0
for i in range(len(nn)):
    for w in (10.0, 30.0, 60.0):
        first = np.searchsorted(t, t[i] - w, side="right")
        if i - first + 1 < 3:
            continue
        # NeuroKit2 takes peak positions; 1000 Hz makes samples equal ms.
        nk.hrv_time(peaks_ms[first : i + 2], sampling_rate=1000)
    done += 1
elapsed = time.perf_counter() - start
print(json.dumps({"neurokit2": nk.__version__, "beats": done, "us_per_beat": elapsed / done * 1e6}))
