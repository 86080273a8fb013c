#!/usr/bin/env bash
# Matching jobs through the whole system: rounds signed up through registration, requested at once
# from the matching service, worked off by two workers; request-to-published time beside the
# engine's own solve time for the same rounds.
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR}
"$build/bin/matching_service_bench" --rounds "${ROUNDS:-10}" --interns "${INTERNS:-1000}"
