#!/usr/bin/env bash
# Runs every kernel on small shapes inside oclgrind (an OpenCL simulator) with its
# memory checker and data-race detection, through `clconv verify`: the fixed edge cases
# of every op family, then the GEMM cases that reach its large-operand paths (padded
# copies, K panels, split K), for each GEMM kernel. Fails when oclgrind reports anything (out-of-bounds access, race,
# invalid use) or a case disagrees with the reference.
set -uo pipefail
jar="${1:-target/clconv.jar}"
log="$(mktemp)"
# oclgrind compiles with LLVM, which takes the JVM's signal handlers unless it chains them (docs/DESIGN.md, "Signals")
jsig="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/libjsig.so"
[ -f "$jsig" ] || jsig=
trap 'rm -f "$log"' EXIT
# --gemm fixes the GEMM variant (no probe under the simulator) and reaches each kernel
# of the family: the blocked kernel with gemm_nt, the packed one, then the tiled one with and without
# local memory, on tiles small enough that every case has edges
blocked='blocked TM=8 VW=16 WG=1'
check() {
  echo "oclgrind: clconv verify $* (memcheck + data races)" >&2
  timeout 1800 env ${jsig:+LD_PRELOAD="$jsig"} oclgrind --data-races java -jar "$jar" verify --device 0 "$@" >"$log" 2>&1
  status=$?
  if grep -qE 'Invalid (read|write)|[Dd]ata race|OCLGRIND|Uninitiali[sz]ed|[Ee]rror:|[Ee]rror ' "$log" || [ $status -ne 0 ]; then
    cat "$log" >&2
    echo "oclgrind check FAILED (exit status $status)" >&2
    exit 1
  fi
  tail -n 1 "$log"
}
check --cases 6 --gemm "$blocked"
check --only gemm --cases 10 --gemm "$blocked"
# the blocked kernel with two vectors of columns per work-item (VN), on vectors small enough that cases have edges
check --only gemm --cases 10 --gemm 'blocked TM=3 VW=4 VN=2 WG=1'
# the blocks sized for AVX2 (an odd TM, 9 accumulators of gemm_nt)
check --only gemm,conv2d --cases 10 --gemm 'blocked TM=5 VW=8 VN=2 WG=1'
check --only gemm --cases 10 --gemm 'nt TR=3 TC=3 VK=8 WG=1'
# gemm_nt's widest register block in 8 x 8 work-groups (WG=0): work-items past the edge of a rounded-up grid return
check --only gemm --cases 10 --gemm 'nt TR=4 TC=6 VK=16 WG=0'
# the packed kernel and its two packs, on a block and panel small enough that cases have edges
check --only gemm,conv2d --cases 10 --gemm 'packed TM=3 VW=4 VN=2'
check --only gemm,conv2d --cases 8 --gemm 'tiled TSM=16 TSN=16 TSK=8 WM=2 WN=2 LOCAL=1'
check --only gemm --cases 8 --gemm 'tiled TSM=16 TSN=32 TSK=8 WM=4 WN=4 LOCAL=0'
check --only conv2d,batchnorm2d,batchnorm_relu,maxpool2d,avgpool2d --cases 8 --gemm "$blocked" --movement element
check --only conv2d,batchnorm2d,batchnorm1d,batchnorm_relu,maxpool2d,avgpool2d --cases 6 --gemm "$blocked" --movement row
# Winograd's transforms in both layouts, on the fixed 3x3 stride-1 cases (pads 0, 1, 2, partial tiles)
check --only conv2d --cases 24 --gemm "$blocked" --conv-algo winograd2 --movement row
check --only conv2d --cases 24 --gemm "$blocked" --conv-algo winograd2 --movement element
check --only conv2d --cases 24 --gemm "$blocked" --conv-algo winograd4 --movement row
check --only conv2d --cases 24 --gemm "$blocked" --conv-algo winograd4 --movement element
# im2col forced, rows: the planes kernels (built with each layer's sizes) on the cases with planes enough, rows elsewhere
check --only conv2d --cases 10 --gemm "$blocked" --conv-algo im2col --movement row
# direct convolution in both layouts: the fixed stride-1 "same" cases (7x7, 5x5, one row, one column, 49 pixels,
# and with rows, cases 30-31, batches of small planes stacked per work-group) and random ones
check --only conv2d --cases 32 --gemm "$blocked" --conv-algo direct --movement row
check --only conv2d --cases 24 --gemm "$blocked" --conv-algo direct --movement element
# direct2 (rows only): two vectors per step, the second may start past the plane's end into the longer guard
check --only conv2d --cases 32 --gemm "$blocked" --conv-algo direct2 --movement row
# the forms sized for sixteen 8-float registers: 8-wide vectors, and their weight gradient with 8 filters in the lanes
check --only conv2d --cases 32 --gemm "$blocked" --conv-algo direct-narrow --movement row
check --only conv2d --cases 32 --gemm "$blocked" --conv-algo direct2-narrow --movement row
# lanes (a row-movement device's): unpadded stride-1 layers' weight gradient on x itself (cases 4, 14, 22 and random ones)
check --only conv2d --cases 32 --gemm "$blocked" --conv-algo lanes --movement row
# valid (rows): the same layers' forward by direct_conv_lanes, chunks of a row with their last columns clamped, and their
# input gradient by direct_dx_blocks (tiles of 64 pixels cut short, blocks of rows past a channel group's end)
check --only conv2d --cases 32 --gemm "$blocked" --conv-algo valid --movement row
# the stride-2 direct convolution (a row-movement device's kernel): the fixed stride-2 cases and random ones
check --only conv2d --cases 40 --gemm "$blocked" --conv-algo strided --movement row
check --only conv2d --cases 40 --gemm "$blocked" --conv-algo strided-narrow --movement row
# depthwise convolution: the fixed cases 9 and 23 to 29 (strided, unpadded 5x5, a 1-pixel plane, rows wider
# than the row kernels' vectors), an output per work-item and a row per work-item
check --only conv2d --cases 30 --gemm "$blocked" --conv-algo depthwise --movement element
check --only conv2d --cases 30 --gemm "$blocked" --conv-algo depthwise --movement row
echo "oclgrind check passed: no memory or race errors" >&2
