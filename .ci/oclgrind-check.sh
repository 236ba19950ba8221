#!/usr/bin/env bash
# Runs every kernel on small shapes inside oclgrind (an OpenCL simulator) with its
# memory checker and data-race detection, through `clconv verify`: the fixed edge cases
# of every op family, then the GEMM cases that reach its large-operand paths (padded
# copies, K panels). Fails when oclgrind reports anything (out-of-bounds access, race,
# invalid use) or a case disagrees with the reference.
set -uo pipefail
jar="${1:-target/clconv.jar}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for args in "--cases 6" "--only gemm --cases 10"; do
  echo "oclgrind: clconv verify $args (memcheck + data races)" >&2
  # shellcheck disable=SC2086
  timeout 1800 oclgrind --data-races java -jar "$jar" verify --device 0 $args >"$log" 2>&1
  status=$?
  if grep -qE 'Invalid (read|write)|[Dd]ata race|OCLGRIND|Uninitiali[sz]ed|[Ee]rror:|[Ee]rror ' "$log" || [ $status -ne 0 ]; then
    cat "$log" >&2
    echo "oclgrind check FAILED (exit status $status)" >&2
    exit 1
  fi
  tail -n 1 "$log"
done
echo "oclgrind check passed: no memory or race errors" >&2
