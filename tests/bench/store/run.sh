#!/usr/bin/env bash
# Store, event script and outbox relay throughput against a private redis-server on loopback.
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR}
"$build/bin/store_bench"
