#!/usr/bin/env bash
# bench/compare.sh — clconv against DJL's PyTorch engine (CPU) on the same machine, in one run:
# lenet on Fashion-MNIST, batch 64 training and batch 256 inference images/s, and the ratios.
#   bench/compare.sh [--device D]      (needs network access to Maven Central the first time)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
device="auto"
[ "${1:-}" = "--device" ] && device="$2"
(cd "$root" && mvn -B -q package -DskipTests >&2)
(cd "$root/bench/djl" && mvn -B -q package >&2)
echo "== clconv bench (device $device)" >&2
ours=$(java -jar "$root/target/clconv.jar" bench --device "$device" | tail -n 1)
echo "== DJL PyTorch (CPU)" >&2
theirs=$(cd "$root/bench/djl" && PYTORCH_FLAVOR=cpu java -Dai.djl.offline=true -cp 'target/clconv-bench-djl.jar:target/lib/*' \
  io.github.clconv.benchdjl.DjlLenet | tail -n 1)
echo "== OpenBLAS through numpy (skipped when numpy is missing)" >&2
blas=$(python3 "$root/bench/openblas.py" | tail -n 1) || blas='{}'
python3 - "$ours" "$theirs" "$blas" <<'PY'
import json, sys
ours, theirs, blas = (json.loads(a) for a in sys.argv[1:4])
for k in ("train_images_per_sec", "infer_images_per_sec"):
    print(f"{k}: clconv {ours[k]:.0f}, {theirs['framework']} {theirs[k]:.0f}, ratio {ours[k] / theirs[k]:.2f}", file=sys.stderr)
fractions = {}
for g in blas.get("gemm", []):
    mine = next((x["clconv_gflops"] for x in ours["gemm"] if x["n"] == g["n"]), None)
    if mine:
        fractions[g["n"]] = mine / g["gflops"]
        print(f"sgemm n={g['n']}: clconv {mine:.1f} GFLOP/s = {mine / g['gflops']:.2f} of OpenBLAS ({g['gflops']:.1f})", file=sys.stderr)
print(json.dumps({"clconv": {k: ours[k] for k in ("device", "train_images_per_sec", "infer_images_per_sec", "gemm")}, "djl": theirs,
                  "openblas": blas, "fraction_of_openblas": fractions,
                  "train_ratio": ours["train_images_per_sec"] / theirs["train_images_per_sec"],
                  "infer_ratio": ours["infer_images_per_sec"] / theirs["infer_images_per_sec"]}))
PY
