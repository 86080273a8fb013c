#!/usr/bin/env bash
# make bench: runs every benchmark suite (tests/bench/*/run.sh) against the given build folder and
# prints its figures. Suites may take minutes; each says what it is measuring as it goes.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:-build}" && pwd)
echo "ipraktik benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
suites=("$here"/*/run.sh)
if [[ -n ${BENCH:-} ]]; then
  suites=("$here/$BENCH/run.sh")   # make bench BENCH=matching runs one suite
fi
for suite in "${suites[@]}"; do
  [[ -x $suite ]] || continue
  echo
  echo "== $(basename "$(dirname "$suite")") =="
  "$suite" "$build"
done
