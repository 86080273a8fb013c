#!/bin/sh
# Installs what one service's image holds from a build tree into a prefix: its program (without
# debug symbols) and, for notification, its templates under share/ipraktik/notification/templates
# (participant-web: its templates and style sheet under share/ipraktik/participant-web).
# The Dockerfile runs it into /usr/local; tests/services runs it into a temporary folder and
# starts the program from there, so the image's layout is tested where no container engine runs.
#
#   deploy/docker/install-service.sh BUILD_DIR COMPONENT PREFIX
#   COMPONENT: registration, matching, matching-worker, notification, evaluation, participant-web
#   or cli
set -eu
[ $# -eq 3 ] || { echo "usage: $0 BUILD_DIR COMPONENT PREFIX" >&2; exit 2; }
cmake --install "$1" --component "$2" --prefix "$3" --strip
