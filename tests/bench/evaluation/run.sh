#!/usr/bin/env bash
# Evaluation answers per second beside the gRPC health check's rate in the same run, and the time
# of every report level at a tenth of the answers and at all of them, against the real
# ipraktik-evaluation with a private Redis and RabbitMQ on loopback.
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
IPRAKTIK_BINARY_DIR=$build "$build/bin/evaluation_bench" "${@:2}"
