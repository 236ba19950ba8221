#!/usr/bin/env bash
# Runs every kernel on small shapes inside oclgrind (an OpenCL simulator) with its
# memory checker and data-race detection, through `clconv verify`. Fails when oclgrind
# reports anything (out-of-bounds access, race, invalid use) or a case disagrees.
set -uo pipefail
jar="${1:-target/clconv.jar}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "oclgrind: every kernel, the 6 fixed small cases of each op family, memcheck + data races" >&2
timeout 1800 oclgrind --data-races java -jar "$jar" verify --device 0 --cases 6 >"$log" 2>&1
status=$?
if grep -qE 'Invalid (read|write)|[Dd]ata race|OCLGRIND|Uninitiali[sz]ed|[Ee]rror:|[Ee]rror ' "$log" || [ $status -ne 0 ]; then
  cat "$log" >&2
  echo "oclgrind check FAILED (exit status $status)" >&2
  exit 1
fi
tail -n 1 "$log"
echo "oclgrind check passed: no memory or race errors" >&2
