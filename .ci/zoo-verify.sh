#!/usr/bin/env bash
# Runs `clconv verify` on every OpenCL device of ../shared/opencl-zoo.sh's Debian trixie
# root (PoCL 6.0 and Mesa rusticl on llvmpipe): once with the device's own GEMM plan and
# data-movement layout, then with the work-group-tiled GEMM and the element-per-work-item
# movement forced (whichever the device would not choose), so that a kernel that breaks on another
# OpenCL implementation fails CI. Builds the zoo on first use (a few minutes, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
zoo=
for z in "${OPENCL_ZOO:-}" ../shared/opencl-zoo.sh /work/shared/opencl-zoo.sh; do
  [ -n "$z" ] && [ -f "$z" ] && { zoo=$z; break; }
done
[ -n "$zoo" ] || { echo "zoo-verify: ../shared/opencl-zoo.sh is missing (or set OPENCL_ZOO); it provides the PoCL 6 and rusticl devices this check needs" >&2; exit 1; }
[ -f target/clconv.jar ] || mvn -B -q package -DskipTests
# shellcheck disable=SC2016
bash "$zoo" '
set -euo pipefail
export POCL_CACHE_DIR=/tmp/pocl-cache
# both drivers compile with LLVM, which takes the JVM'"'"'s signal handlers unless it chains them (docs/DESIGN.md, "Signals")
jsig="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/libjsig.so"
[ -f "$jsig" ] && java() { LD_PRELOAD="$jsig" command java "$@"; }
jar=target/clconv.jar
n=$(java -jar $jar devices 2>/dev/null | grep -o "\"index\": *[0-9]*" | wc -l)
[ "$n" -ge 2 ] || { echo "zoo-verify: expected PoCL 6 and rusticl, found $n devices" >&2; java -jar $jar devices; exit 1; }
v() { # one verify run: its table only when it fails
  java -jar $jar verify "$@" 2>/tmp/verify.log | tail -n 1 || { cat /tmp/verify.log >&2; exit 1; }
}
for i in $(seq 0 $((n - 1))); do
  echo "zoo-verify: device $i, its own GEMM plan and data movement" >&2
  v --device $i --cases 6
  echo "zoo-verify: device $i, the tiled GEMM" >&2
  v --device $i --cases 10 --only gemm,conv2d,linear --gemm "tiled TSM=32 TSN=32 TSK=16 WM=4 WN=4 LOCAL=1"
  echo "zoo-verify: device $i, the packed GEMM" >&2
  v --device $i --cases 10 --only gemm,conv2d,linear --gemm "packed TM=5 VW=8 VN=2"
  echo "zoo-verify: device $i, an element per work-item in the data movement" >&2
  v --device $i --cases 12 --only conv2d,batchnorm2d,batchnorm_relu,maxpool2d,avgpool2d --movement element
  echo "zoo-verify: device $i, Winograd forced, in both data-movement layouts" >&2
  v --device $i --cases 24 --only conv2d --conv-algo winograd2
  v --device $i --cases 24 --only conv2d --conv-algo winograd2 --movement element
  v --device $i --cases 24 --only conv2d --conv-algo winograd4
  v --device $i --cases 24 --only conv2d --conv-algo winograd4 --movement element
  echo "zoo-verify: device $i, direct convolution forced, in both data-movement layouts" >&2
  v --device $i --cases 32 --only conv2d --conv-algo direct --movement row
  v --device $i --cases 24 --only conv2d --conv-algo direct --movement element
  echo "zoo-verify: device $i, lanes forced (rows)" >&2
  v --device $i --cases 32 --only conv2d --conv-algo lanes --movement row
  echo "zoo-verify: device $i, depthwise convolution forced, in both data-movement layouts" >&2
  v --device $i --cases 30 --only conv2d --conv-algo depthwise --movement row
  v --device $i --cases 30 --only conv2d --conv-algo depthwise --movement element
done
'
echo "zoo-verify: every zoo device agrees with the reference" >&2
