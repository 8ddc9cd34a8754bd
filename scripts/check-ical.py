#!/usr/bin/env python3
"""Reads a visanav calendar feed with an independent parser (PyPI `icalendar`) and checks it.

    check-ical.py FEED.ics [--forbid TEXT ...] [--min-events N]

Checks: the raw text has CRLF line ends and no line over 75 octets (RFC 5545 3.1); the
calendar has VERSION 2.0, a PRODID and METHOD PUBLISH; every event has a unique UID, a DTSTAMP
and an integer SEQUENCE; an all-day event's DTSTART is a date (not a date-time) and its DTEND
the next day; a timed event's start has a time zone whose VTIMEZONE is in the calendar; every
event that is still ahead has DISPLAY alarms; no SUMMARY or DESCRIPTION holds a forbidden
string (names, case numbers, passport numbers); the parser reported no errors. Prints one line
per event and exits 1 with the reasons when a check fails.
"""

import argparse
import datetime
import sys

import icalendar


def raw_problems(raw: bytes) -> list[str]:
    problems = []
    if not raw.endswith(b"\r\n"):
        problems.append("the feed does not end with CRLF")
    for n, line in enumerate(raw.split(b"\r\n"), start=1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {n}: a bare LF or CR")
        if len(line) > 75:
            problems.append(f"line {n}: {len(line)} octets (at most 75)")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {n}: folding split a UTF-8 character")
    return problems


def event_problems(ev, uids: set, zones: set, forbidden: list[str]) -> list[str]:
    problems = []
    uid = str(ev.get("UID", ""))
    where = uid or "an event without a UID"
    if not uid:
        problems.append("an event has no UID")
    elif uid in uids:
        problems.append(f"{where}: the UID is used twice")
    uids.add(uid)
    if ev.get("DTSTAMP") is None:
        problems.append(f"{where}: no DTSTAMP")
    seq = ev.get("SEQUENCE")
    if not isinstance(seq, int) or seq < 0:
        problems.append(f"{where}: SEQUENCE {seq!r} is not a non-negative integer")
    start = ev.get("DTSTART")
    if start is None:
        return problems + [f"{where}: no DTSTART"]
    start = start.dt
    end = ev.get("DTEND").dt if ev.get("DTEND") is not None else None
    all_day = not isinstance(start, datetime.datetime)
    if all_day:
        if end != start + datetime.timedelta(days=1):
            problems.append(f"{where}: an all-day event must end the next day, not {end}")
    else:
        if start.tzinfo is None:
            problems.append(f"{where}: a timed event without a time zone")
        tzid = ev.get("DTSTART").params.get("TZID")
        if tzid and tzid not in zones:
            problems.append(f"{where}: TZID {tzid} has no VTIMEZONE")
    summary = str(ev.get("SUMMARY", ""))
    description = str(ev.get("DESCRIPTION", ""))
    for text in forbidden:
        if text.lower() in summary.lower() or text.lower() in description.lower():
            problems.append(f"{where}: personal data {text!r} in the event")
    if "not legal advice" not in description:
        problems.append(f"{where}: the description lacks the not-legal-advice line")
    alarms = [a for a in ev.walk("VALARM")]
    past = summary.startswith(("Passed:", "Expired:"))
    if not past and not alarms:
        problems.append(f"{where}: no alarms")
    for a in alarms:
        if str(a.get("ACTION", "")) != "DISPLAY":
            problems.append(f"{where}: an alarm's ACTION is not DISPLAY")
        trigger = a.get("TRIGGER")
        if trigger is None or not isinstance(trigger.dt, datetime.timedelta):
            problems.append(f"{where}: an alarm without a relative TRIGGER")
    kind = "all-day" if all_day else "timed"
    print(f"{kind:7} {start} seq={seq} alarms={len(alarms)} {summary}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("feed")
    parser.add_argument("--forbid", action="append", default=[])
    parser.add_argument("--min-events", type=int, default=1)
    args = parser.parse_args()
    with open(args.feed, "rb") as f:
        raw = f.read()
    problems = raw_problems(raw)
    cal = icalendar.Calendar.from_ical(raw)
    if str(cal.get("VERSION")) != "2.0":
        problems.append("VERSION is not 2.0")
    if not cal.get("PRODID"):
        problems.append("no PRODID")
    if str(cal.get("METHOD")) != "PUBLISH":
        problems.append("METHOD is not PUBLISH")
    for component in cal.walk():
        for error in getattr(component, "errors", []):
            problems.append(f"{component.name}: the parser reported {error}")
    zones = {str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")}
    events = cal.walk("VEVENT")
    if len(events) < args.min_events:
        problems.append(f"{len(events)} events, expected at least {args.min_events}")
    uids: set = set()
    for ev in events:
        problems += event_problems(ev, uids, zones, args.forbid)
    if problems:
        print("\n".join(f"problem: {p}" for p in problems), file=sys.stderr)
        return 1
    print(f"ok: {len(events)} events, {len(zones)} time zones")
    return 0


if __name__ == "__main__":
    sys.exit(main())
