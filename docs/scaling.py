# docs/scaling.py: the speed-up table of docs/SCALING.md from the measured inputs (see there).
#   python3 docs/scaling.py '[{"name":"lenet","params":431080,"compute_ms":11.8,"staging_ms":3.7}]'
import sys, json
# inputs: name compute_ms exchange_local_ms params
models = json.loads(sys.argv[1])
alpha = 30e-6  # s per message hop (MPI over TCP on Ethernet, order of magnitude)
rows = []
for m in models:
    S = 4 * m["params"]  # bytes
    tc = m["compute_ms"] / 1e3
    host = m["staging_ms"] / 1e3  # download + upload of the gradients, per step, measured here
    out = [f"| {m['name']} | {m['params']:,} | {S/1e6:.2f} MB | {m['compute_ms']:.0f} ms |"]
    for gbps in (10, 25, 100):
        B = gbps * 1e9 / 8
        cells = []
        for N in (2, 4, 8, 16, 32, 64):
            tx = 2 * (N - 1) / N * S / B + 2 * (N - 1) * alpha + host
            sp = N * tc / (tc + tx)
            cells.append(f"{sp:.1f}")
        out.append(" / ".join(cells) + " |")
    rows.append(" ".join(out))
print("\n".join(rows))
