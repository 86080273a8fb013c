#!/usr/bin/env bash
# The notification service's e-mails per second for a round of 10,000 placements, beside a plain
# SMTP client sending as many messages to the same private SMTP sink in the same run; first, the
# CPU of rendering one e-mail alone.
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR}
"$build/bin/render_bench"
"$build/bin/notification_bench"
