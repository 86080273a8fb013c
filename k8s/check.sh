#!/usr/bin/env bash
# Renders every overlay with kustomize (offline) and validates each object against the Kubernetes
# API schemas, KEDA's and the RabbitMQ operator's, and the rules of docs/deploy.md
# (k8s/tools/validate.mjs); then checks deploy/docker/Dockerfile (k8s/tools/dockerfile.mjs).
# Run by `make test` (ctest: k8s_manifests).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Everything comes from `make deps` (deploy/deps.sh): the schemas, the Dockerfile linter and a
# kubectl 1.32 (kustomize v5; Debian 12's own kubectl 1.20 renders none of our overlays) into
# k8s/node_modules. Without them the check fails and says so: it never passes by skipping.
kubectl=$here/node_modules/.bin/kubectl
for needed in "$kubectl" "$here"/node_modules/{kubernetes-models,@kubernetes-models/keda,dockerfile-utils,ajv}/package.json \
  /usr/sbin/haproxy; do
  [[ -e $needed ]] || { echo "$needed is missing: run make deps" >&2; exit 1; }
done
overlays=("$here"/overlays/*/)
((${#overlays[@]} >= 2)) || { echo "expected the municipality and national overlays" >&2; exit 1; }
for overlay in "${overlays[@]}"; do
  echo "== $(basename "$overlay")"
  "$kubectl" kustomize "$overlay" | node "$here/tools/validate.mjs"
done
echo "== Dockerfile"
node "$here/tools/dockerfile.mjs" "$here/../deploy/docker/Dockerfile" "$here/base"
