#!/usr/bin/env bash
# Renders every overlay with kustomize (offline) and validates each object against the
# Kubernetes API schemas. Run by `make test` (ctest: k8s_manifests).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# kubectl is not in Debian 12's own archive in a version with kustomize v4+, so it is not a
# package of make deps; without it this check reports itself skipped (exit 77).
command -v kubectl >/dev/null || { echo "kubectl not found: manifests not checked" >&2; exit 77; }
for overlay in "$here"/overlays/*/; do
  echo "== $(basename "$overlay")"
  kubectl kustomize "$overlay" | node "$here/tools/validate.js"
done
