#!/usr/bin/env bash
# Bus throughput with publisher confirms and manual acks against a private rabbitmq-server.
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR}
"$build/bin/bus_bench"
