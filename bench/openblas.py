#!/usr/bin/env python3
"""bench/openblas.py — float32 GEMM GFLOP/s of numpy's BLAS (OpenBLAS in Debian's
python3-numpy with libopenblas0-pthread) on the same square sizes as `clconv bench`,
median of 5 runs after a warm-up. One JSON line on stdout.
Usage: python3 bench/openblas.py [threads]   (threads: OPENBLAS_NUM_THREADS, default all cores)"""
import json
import os
import sys

if len(sys.argv) > 1:
    os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[1]
import time  # noqa: E402

try:
    import numpy as np  # noqa: E402
except ImportError:
    sys.exit("bench/openblas.py needs numpy: sudo apt-get install python3-numpy libopenblas0-pthread")

out = []
for n in (256, 512, 1024, 2048):
    a = np.random.rand(n, n).astype(np.float32)
    b = np.random.rand(n, n).astype(np.float32)
    reps = max(1, int(2e9 / (2 * n ** 3)))
    a @ b
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            a @ b
        times.append((time.perf_counter() - t0) / reps)
    times.sort()
    out.append({"n": n, "gflops": 2 * n ** 3 / times[2] / 1e9})
    print(f"OpenBLAS sgemm n={n}: {out[-1]['gflops']:.1f} GFLOP/s", file=sys.stderr)
blas = "unknown"
try:
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
except Exception:
    pass
print(json.dumps({"blas": blas, "threads": os.environ.get("OPENBLAS_NUM_THREADS", "all"), "gemm": out}))
