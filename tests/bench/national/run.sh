#!/usr/bin/env bash
# A national round (50 programmes, 100,000 interns, 20,000 host offers at NATIONAL_SCALE=1)
# through every service, its e-mails handed to Postfix's smtp-sink, beside Postfix's smtp-source
# and a plain libcurl client sending to the same sink. Postfix is not installed: Debian's package
# is downloaded and unpacked into the build folder (once), which gives the two programs.
#   NATIONAL_SCALE=0.05 (5,000 interns) for a quick run; NATIONAL_PROGRAMMES: how many programmes
#   (rounds) share them (50; 5 at scale 0.1 gives rounds of national size, 2,400 people);
#   NATIONAL_SENDERS: the service's senders;
#   NATIONAL_HOLD_MAIL=1: no e-mail is sent while the rounds are published (publication timed
#   alone; the notification service is stopped meanwhile and started again after, and Redis's
#   append-only file is rewritten before it);
#   NATIONAL_PUBLICATION_ONLY=1: as NATIONAL_HOLD_MAIL=1, and the bench ends after the publication;
#   NATIONAL_PUBLICATION_THREADS: threads storing a publication's batches at once (2);
#   NATIONAL_EVENT_BATCH: placement events per bus message (1: one per person, as before);
#   NATIONAL_COUNT_PUBLICATION=1: the publication's instructions per person (the matching service
#   under callgrind; steady where times are not), and nothing after the publication.
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
postfix=$build/bench-postfix
if [[ ! -x $postfix/usr/sbin/smtp-sink ]]; then
  rm -rf "$postfix.download" && mkdir -p "$postfix.download"
  (cd "$postfix.download" && apt-get download postfix >/dev/null)
  dpkg -x "$postfix.download"/postfix_*.deb "$postfix"
  rm -rf "$postfix.download"
fi
args=(--postfix "$postfix" --scale "${NATIONAL_SCALE:-1}")
[[ -n ${NATIONAL_PROGRAMMES:-} ]] && args+=(--programmes "$NATIONAL_PROGRAMMES")
[[ -n ${NATIONAL_SENDERS:-} ]] && args+=(--senders "$NATIONAL_SENDERS")
[[ -n ${NATIONAL_HOLD_MAIL:-} ]] && args+=(--hold-mail "$NATIONAL_HOLD_MAIL")
[[ -n ${NATIONAL_PUBLICATION_ONLY:-} ]] && args+=(--publication-only "$NATIONAL_PUBLICATION_ONLY")
[[ -n ${NATIONAL_PUBLICATION_THREADS:-} ]] && args+=(--publication-threads "$NATIONAL_PUBLICATION_THREADS")
[[ -n ${NATIONAL_EVENT_BATCH:-} ]] && args+=(--event-batch "$NATIONAL_EVENT_BATCH")
[[ -n ${NATIONAL_COUNT_PUBLICATION:-} ]] && args+=(--count-publication "$NATIONAL_COUNT_PUBLICATION")
"$build/bin/national_bench" "${args[@]}"
