#!/usr/bin/env bash
# run_fuzzer.sh FUZZER SEEDS WORKDIR: runs a libFuzzer target for IPRAKTIK_FUZZ_SECONDS (20) on a
# working corpus grown from the checked-in seeds; exits non-zero on any crash or failed check.
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3
seconds=${IPRAKTIK_FUZZ_SECONDS:-20}
mkdir -p "$work/corpus" "$work/artifacts"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds"
