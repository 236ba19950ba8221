#!/usr/bin/env bash
# bench/compare.sh — clconv against DJL's PyTorch engine (CPU) on the same machine, in one run:
# lenet on Fashion-MNIST, batch 64 training and batch 256 inference images/s, and the ratios;
# torchvision's resnet18 and mobilenet_v2 at 224 px, batch 16 (training, inference, batch-1 latency);
# also PyTorch from Python (Debian's python3-torch) when some python3 can import torch: lenet,
# lenet-bn and resnet20 training, and the convolution layers of clconv bench (forward+backward).
#   bench/compare.sh [--device D] [--rounds N]   (needs network access to Maven Central the first time)
# With --rounds N (default 1) the whole comparison runs N times, every peer beside clconv in each
# round, and the last line holds each round's ratios and their medians: on a small shared
# machine single runs vary by up to 30%, so a ratio is worth quoting only as a median.
# Inference against ONNX Runtime 1.20 (2 threads) on the same exported networks (bench/onnxruntime:
# resnet20 and lenet-bn at 1x28x28, resnet18 at 3x224x224): batch-1 latency and batch-64 images/s, the two
# engines timed in turns (alternating slices of a fraction of a second), so that a burst of load hits both.
# lenet-bn's and resnet20's training also as a fraction of the round's measured FMA peak (bench's
# opencl/peak.cl), counting direct-convolution FLOPs: 2 per multiply-add, forward and both gradients.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
device="auto"
rounds=1
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="${2:?--device needs a value}"; shift 2 ;;
    --rounds) rounds="${2:?--rounds needs a value}"; shift 2 ;;
    *) echo "bench/compare.sh: unknown option $1 (expected --device D, --rounds N)" >&2; exit 2 ;;
  esac
done
case "$rounds" in ''|*[!0-9]*|0) echo "bench/compare.sh: --rounds takes a positive whole number, not '$rounds'" >&2; exit 2 ;; esac
(cd "$root" && mvn -B -q package -DskipTests >&2)
(cd "$root/bench/djl" && mvn -B -q package >&2)
(cd "$root/bench/onnxruntime" && mvn -B -q package >&2)
# clconv's JVMs keep their signal handlers while PoCL compiles (docs/DESIGN.md, "Signals"), as bin/clconv runs them
jsig="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/libjsig.so"
chained() { if [ -f "$jsig" ]; then LD_PRELOAD="$jsig" "$@"; else "$@"; fi; }
# one comparison: its table on stderr, one JSON line of figures and ratios on stdout
one_round() {
echo "== clconv bench (device $device)" >&2
ours=$(chained java -jar "$root/target/clconv.jar" bench --device "$device" --models lenet-bn,resnet20,resnet18,mobilenet_v2 --batch 16 | tail -n 1)
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
echo "== inference: clconv and ONNX Runtime on the same exported networks" >&2
ort=$(cd "$root/bench/onnxruntime" && chained java -cp "$root/target/clconv.jar:target/clconv-bench-onnxruntime.jar:target/lib/*" \
  io.github.clconv.benchort.OrtInference "$device" resnet20:1,28,28 lenet-bn:1,28,28 resnet18:3,224,224 | tail -n 1)
echo "== OpenBLAS through numpy (skipped when numpy is missing)" >&2
blas=$(python3 "$root/bench/openblas.py" | tail -n 1) || blas='{}'
python3 - "$ours" "$theirs" "$blas" "$torch" "$models" "$ort" <<'PY'
import json, sys
ours, theirs, blas, torch, models, ort = (json.loads(a) for a in sys.argv[1:7])
model_ratios, conv_ratios, peak_fractions = {}, {}, {}
# against ONNX Runtime: images/s ratio at batch 64, and ONNX Runtime's latency over clconv's at batch 1 (above 1: clconv ahead)
ort_ratios = {}
for m in ort.get("models", []):
    ort_ratios[m["model"] + " batch-64 inference"] = m["throughput_ratio"]
    ort_ratios[m["model"] + " batch-1 latency"] = m["latency_ratio"]
for m in ours.get("models", []):
    s = models.get("sized", {}).get(m["model"])
    if s and "latency_ms" in m:  # a torchvision preset at 224 px, batch 16
        for k, label in (("train_images_per_sec", "training"), ("infer_images_per_sec", "inference")):
            model_ratios[f"{m['model']} 224px {label}"] = m[k] / s[k]
            print(f"{m['model']} 224px {label} images/s: clconv {m[k]:.1f}, PyTorch {s[k]:.1f}, ratio {m[k] / s[k]:.2f}", file=sys.stderr)
        model_ratios[f"{m['model']} 224px batch-1 latency"] = s["latency_ms"] / m["latency_ms"]
        print(f"{m['model']} batch-1 latency: clconv {m['latency_ms']:.1f} ms, PyTorch {s['latency_ms']:.1f} ms, ratio {s['latency_ms'] / m['latency_ms']:.2f}", file=sys.stderr)
        continue
    if "train_fraction_of_peak" in m:  # training GFLOP/s (direct-convolution FLOPs, 3 passes) over this round's FMA peak
        peak_fractions[m["model"]] = m["train_fraction_of_peak"]
        print(f"{m['model']} training at {100 * m['train_fraction_of_peak']:.0f}% of the measured FMA peak", file=sys.stderr)
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
                  "onnxruntime": ort, "onnxruntime_ratios": ort_ratios, "training_fraction_of_peak": peak_fractions,
                  "pytorch": torch, "openblas": blas, "fraction_of_openblas": fractions,
                  "train_ratio": ours["train_images_per_sec"] / max(p["train_images_per_sec"] for p in peers),
                  "infer_ratio": ours["infer_images_per_sec"] / max(p["infer_images_per_sec"] for p in peers)}))
PY
}

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for r in $(seq 1 "$rounds"); do
  [ "$rounds" -gt 1 ] && echo "== round $r of $rounds" >&2
  one_round | tee -a "$results"
done
[ "$rounds" -gt 1 ] || exit 0
python3 - "$results" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def per_round(key, k):
    return [r[key][k] for r in runs if k in r.get(key, {})]
def med(key):
    return {k: statistics.median(per_round(key, k)) for k in sorted({k for r in runs for k in r.get(key, {})})}
median = {"model_ratios": med("model_ratios"), "conv_ratios": med("conv_ratios"), "fraction_of_openblas": med("fraction_of_openblas"),
          "onnxruntime_ratios": med("onnxruntime_ratios"), "training_fraction_of_peak": med("training_fraction_of_peak"),
          "train_ratio": statistics.median(r["train_ratio"] for r in runs), "infer_ratio": statistics.median(r["infer_ratio"] for r in runs)}
print("== medians over %d rounds of the per-round ratios (models: clconv / PyTorch; layers: PyTorch's time / clconv's)" % len(runs), file=sys.stderr)
for key, label in (("model_ratios", "training"), ("conv_ratios", "conv"), ("fraction_of_openblas", "sgemm n="), ("onnxruntime_ratios", "vs ONNX Runtime"),
                   ("training_fraction_of_peak", "training, fraction of the FMA peak")):
    for k, v in median[key].items():
        rounds = ", ".join("%.2f" % x for x in per_round(key, k))
        name = k if key == "model_ratios" and " " in k else "%s %s" % (k, label) if key in ("model_ratios", "onnxruntime_ratios", "training_fraction_of_peak") else "%s%s" % (label, k) if key == "fraction_of_openblas" else "%s %s" % (label, k)
        print("%s: %.2f (rounds: %s)" % (name, v, rounds), file=sys.stderr)
print("lenet training: %.2f, inference: %.2f (against the faster peer)" % (median["train_ratio"], median["infer_ratio"]), file=sys.stderr)
print(json.dumps({"rounds": runs, "median": median}))
PY
