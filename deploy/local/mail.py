#!/usr/bin/python3
"""The e-mails the local stack's SMTP sink received, readable: one file per message in
var/local/smtp/mail/new/ (a Maildir), in the order they arrived.

  deploy/local/mail.py                 list them: number, kind, recipient, subject
  deploy/local/mail.py list TEXT       only those whose kind, recipient or subject holds TEXT
  deploy/local/mail.py show N|FILE     one message: its headers, its text and its attachments
                                       (a calendar invitation's METHOD and dates)

IPRAKTIK_STACK_DIR names another stack folder (as for stack.sh). Python's standard library only.
"""
import email
import email.policy
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
FOLDER = pathlib.Path(os.environ.get("IPRAKTIK_STACK_DIR", ROOT / "var/local")) / "smtp/mail/new"


def messages():
    files = sorted(FOLDER.glob("*"), key=lambda f: (f.stat().st_mtime, f.name)) if FOLDER.is_dir() else []
    return [(n, f) for n, f in enumerate(files, 1)]


def read(path):
    with open(path, "rb") as file:
        return email.message_from_binary_file(file, policy=email.policy.default)


def summary(n, path):
    m = read(path)
    return f"{n:4}  {m.get('X-Ipraktik-Kind', ''):22} {str(m.get('To', '')):50.50} {m.get('Subject', '')}"


def show(which):
    found = dict(messages())
    path = found.get(int(which)) if which.isdigit() else pathlib.Path(which)
    if path is None or not path.exists():
        sys.exit(f"no message {which} in {FOLDER}")
    m = read(path)
    print(f"file: {path}")
    for header in ("Date", "From", "Reply-To", "To", "Subject", "X-Ipraktik-Kind"):
        if m.get(header):
            print(f"{header}: {m[header]}")
    body = m.get_body(("plain",))
    print()
    print(body.get_content() if body else "(no text part)")
    for part in m.walk():
        if part.get_content_type() == "text/calendar" or part.get_filename():
            print(f"--- attachment {part.get_filename() or ''} ({part.get_content_type()})")
            if part.get_content_type() == "text/calendar":
                for line in part.get_content().splitlines():
                    if line.split(":")[0].split(";")[0] in ("METHOD", "DTSTART", "DTEND", "SUMMARY",
                                                             "STATUS", "SEQUENCE"):
                        print("   ", line)


def main(args):
    if args[:1] == ["show"] and len(args) == 2:
        show(args[1])
    elif not args or (args[0] == "list" and len(args) <= 2):
        needle = args[1].lower() if len(args) == 2 else ""
        listed = 0
        for n, path in messages():
            line = summary(n, path)
            if needle in line.lower():
                print(line)
                listed += 1
        print(f"{listed} of {len(messages())} messages in {FOLDER}", file=sys.stderr)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
