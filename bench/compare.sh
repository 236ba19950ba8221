#!/usr/bin/env bash
# bench/compare.sh — clconv against DJL's PyTorch engine (CPU) on the same machine, in one run:
# lenet on Fashion-MNIST, batch 64 training and batch 256 inference images/s, and the ratios;
# also PyTorch from Python (Debian's python3-torch) when some python3 can import torch: lenet,
# lenet-bn and resnet20 training, and the convolution layers of clconv bench (forward+backward).
#   bench/compare.sh [--device D]      (needs network access to Maven Central the first time)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
device="auto"
[ "${1:-}" = "--device" ] && device="$2"
(cd "$root" && mvn -B -q package -DskipTests >&2)
(cd "$root/bench/djl" && mvn -B -q package >&2)
echo "== clconv bench (device $device)" >&2
ours=$(java -jar "$root/target/clconv.jar" bench --device "$device" --models lenet-bn,resnet20 | tail -n 1)
echo "== DJL PyTorch (CPU)" >&2
theirs=$(cd "$root/bench/djl" && PYTORCH_FLAVOR=cpu java -Dai.djl.offline=true -cp 'target/clconv-bench-djl.jar:target/lib/*' \
  io.github.clconv.benchdjl.DjlLenet | tail -n 1)
echo "== PyTorch from Python (skipped when no python3 has torch)" >&2
torch='{}'
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import torch' 2>/dev/null; then
    torch=$("$py" "$root/bench/pytorch_lenet.py" | tail -n 1)
    break
  fi
done
models='{}'
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import torch' 2>/dev/null; then
    echo "== PyTorch from Python: lenet-bn, resnet20, convolution layers" >&2
    models=$(OPENBLAS_NUM_THREADS=1 "$py" "$root/bench/pytorch_models.py" | tail -n 1)
    break
  fi
done
echo "== OpenBLAS through numpy (skipped when numpy is missing)" >&2
blas=$(python3 "$root/bench/openblas.py" | tail -n 1) || blas='{}'
python3 - "$ours" "$theirs" "$blas" "$torch" "$models" <<'PY'
import json, sys
ours, theirs, blas, torch, models = (json.loads(a) for a in sys.argv[1:6])
model_ratios, conv_ratios = {}, {}
for m in ours.get("models", []):
    p = models.get("models", {}).get(m["model"])
    if p:
        model_ratios[m["model"]] = m["train_images_per_sec"] / p
        print(f"{m['model']} training images/s: clconv {m['train_images_per_sec']:.0f}, PyTorch {p:.0f}, ratio {m['train_images_per_sec'] / p:.2f}", file=sys.stderr)
for c in ours.get("conv", []):
    p = next((x["forward_backward_ms"] for x in models.get("conv", []) if x["shape"] == c["shape"]), None)
    if p:
        conv_ratios[c["shape"]] = p / c["forward_backward_ms"]
        print(f"conv {c['shape']} ({c['algorithm']}) forward+backward: clconv {c['forward_backward_ms']:.2f} ms, PyTorch {p:.2f} ms, ratio {p / c['forward_backward_ms']:.2f}", file=sys.stderr)
peers = [p for p in (theirs, torch) if p]
for k in ("train_images_per_sec", "infer_images_per_sec"):
    for p in peers:
        print(f"{k}: clconv {ours[k]:.0f}, {p['framework']} {p[k]:.0f}, ratio {ours[k] / p[k]:.2f}", file=sys.stderr)
fractions = {}
for g in blas.get("gemm", []):
    mine = next((x["clconv_gflops"] for x in ours["gemm"] if x["n"] == g["n"]), None)
    if mine:
        fractions[g["n"]] = mine / g["gflops"]
        print(f"sgemm n={g['n']}: clconv {mine:.1f} GFLOP/s = {mine / g['gflops']:.2f} of OpenBLAS ({g['gflops']:.1f})", file=sys.stderr)
# the ratios are against the faster peer, as the targets are stated
print(json.dumps({"clconv": {k: ours[k] for k in ("device", "train_images_per_sec", "infer_images_per_sec", "gemm", "conv", "models")},
                  "djl": theirs, "pytorch_models": models, "model_ratios": model_ratios, "conv_ratios": conv_ratios,
                  "pytorch": torch, "openblas": blas, "fraction_of_openblas": fractions,
                  "train_ratio": ours["train_images_per_sec"] / max(p["train_images_per_sec"] for p in peers),
                  "infer_ratio": ours["infer_images_per_sec"] / max(p["infer_images_per_sec"] for p in peers)}))
PY
