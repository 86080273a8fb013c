#!/usr/bin/env bash
# Registration sign-up throughput and latency, beside the gRPC health check's rate in the same
# run, against the real ipraktik-registration with a private Redis and RabbitMQ on loopback.
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
IPRAKTIK_BINARY_DIR=$build "$build/bin/registration_bench" "${@:2}"
