#!/usr/bin/python3
"""Decodes e-mails as a mail client would, with Python's own email and icalendar packages (an
independent check of the service's MIME, RFC 2047 headers and iCalendar attachments).

Reads every file named on the command line (or every file in a folder) and prints one JSON list:
for each message its decoded headers, its MIME structure, its text and HTML bodies and its
calendar attachments, parsed."""
import email
import email.policy
import json
import os
import sys

import icalendar


def calendar_of(data):
    calendar = icalendar.Calendar.from_ical(data)
    events = []
    for event in calendar.walk("VEVENT"):
        def text(name):
            value = event.get(name)
            return None if value is None else str(value)

        def date(name):
            value = event.get(name)
            return None if value is None else value.dt.isoformat()

        rdates = []
        for rdate in event.get("RDATE", []) if isinstance(event.get("RDATE"), list) else (
                [event.get("RDATE")] if event.get("RDATE") is not None else []):
            rdates.extend(d.dt.isoformat() for d in rdate.dts)
        events.append({
            "uid": text("UID"), "sequence": int(event.get("SEQUENCE", 0)),
            "status": text("STATUS"), "summary": text("SUMMARY"), "location": text("LOCATION"),
            "description": text("DESCRIPTION"), "dtstart": date("DTSTART"), "dtend": date("DTEND"),
            "rdates": rdates, "organizer": text("ORGANIZER"), "attendee": text("ATTENDEE"),
        })
    return {"method": str(calendar.get("METHOD")), "events": events}


def structure_of(part):
    if part.is_multipart():
        return {"type": part.get_content_type(),
                "parts": [structure_of(p) for p in part.iter_parts()]}
    return {"type": part.get_content_type()}


def parse(raw):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    out = {
        "subject": str(message["Subject"]), "from": str(message["From"]),
        "to": str(message["To"]), "reply_to": str(message.get("Reply-To", "")),
        "message_id": str(message["Message-ID"]), "date": str(message["Date"]),
        "ipraktik_message": str(message.get("X-Ipraktik-Message", "")),
        "kind": str(message.get("X-Ipraktik-Kind", "")),
        "mime_version": str(message.get("MIME-Version", "")),
        "structure": structure_of(message), "text": "", "html": "", "calendars": [],
        "defects": [type(d).__name__ for part in message.walk() for d in part.defects],
    }
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and part.get_content_disposition() is None:
            out["text"] = part.get_content()
        elif kind == "text/html":
            out["html"] = part.get_content()
        elif kind == "text/calendar":
            data = part.get_payload(decode=True)
            entry = calendar_of(data)
            entry["file_name"] = part.get_filename()
            entry["method_parameter"] = part.get_param("method")
            entry["raw"] = data.decode("utf-8")
            out["calendars"].append(entry)
    return out


def main():
    paths = []
    for argument in sys.argv[1:]:
        if os.path.isdir(argument):
            paths.extend(sorted(os.path.join(argument, name) for name in os.listdir(argument)))
        else:
            paths.append(argument)
    result = []
    for path in paths:
        with open(path, "rb") as f:
            result.append(parse(f.read()))
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
