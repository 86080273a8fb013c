#!/usr/bin/env bash
# Renders every overlay with kustomize (offline) and validates each object against the
# Kubernetes API schemas. Run by `make test` (ctest: k8s_manifests).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Both tools come from `make deps` (deploy/deps.sh): the schemas and a kubectl 1.32 (kustomize
# v5; Debian 12's own kubectl 1.20 renders none of our overlays) into k8s/node_modules. Without
# them the check fails and says so: it never passes by skipping.
kubectl=$here/node_modules/.bin/kubectl
for needed in "$kubectl" "$here/node_modules/kubernetes-models/package.json"; do
  [[ -e $needed ]] || { echo "$needed is missing: run make deps" >&2; exit 1; }
done
for overlay in "$here"/overlays/*/; do
  echo "== $(basename "$overlay")"
  "$kubectl" kustomize "$overlay" | node "$here/tools/validate.js"
done
