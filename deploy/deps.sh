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

# npm tools: buf for the protos (pinned exactly in proto/package.json; its lock file would list
# platform packages this machine's registry does not carry, so none is kept), and the Kubernetes
# schemas for the manifests (k8s/package-lock.json).
install_npm_tools() {
  local folder=$1 marker=$2
  shift 2
  [[ -e $root/$folder/$marker ]] && return 0
  echo "Installing npm tools into $folder/node_modules"
  (cd "$root/$folder" && npm "$@" --no-audit --no-fund --loglevel=error)
}
install_npm_tools proto node_modules/.bin/buf install --package-lock=false
install_npm_tools k8s node_modules/kubernetes-models/package.json ci
