#!/usr/bin/env python3
"""Compares Depot's built-in holiday calendars with the python-holidays library, 2000-2050.

Usage: Scripts/check-holidays.py PATH/TO/depot
Prints every date on which the two disagree that docs/holidays.md does not already explain,
and exits non-zero when there is one. The explained differences are listed in KNOWN below,
each with the reason Depot follows the official list rather than the library.
"""
import csv
import datetime
import io
import subprocess
import sys

import holidays

CALENDARS = {
    "US": lambda y: holidays.US(years=y),
    "US-MA": lambda y: holidays.US(subdiv="MA", years=y),
    "US-CA": lambda y: holidays.US(subdiv="CA", years=y),
    "GB-ENG": lambda y: holidays.UK(subdiv="ENG", years=y),
    "AU-NSW": lambda y: holidays.AU(subdiv="NSW", years=y),
    "DE": lambda y: holidays.DE(years=y),
}

# (calendar, predicate on (date, name, side)) -> reason. side is "depot" or "library".
KNOWN = [
    ("GB-ENG", lambda d, n, side: side == "library" and d.weekday() >= 5,
     "gov.uk lists only the substitute weekday when a bank holiday falls on a weekend"),
    ("AU-NSW", lambda d, n, side: side == "library" and n == "Bank Holiday",
     "the August Bank Holiday is for banks and certain financial institutions only"),
    ("US-CA", lambda d, n, side: side == "library" and ("Susan B. Anthony" in n or "Diwali" in n),
     "commemorative days on which California state offices stay open"),
]


def depot(binary, calendar, year):
    out = subprocess.run([binary, "calendar", "holidays", calendar, "--year", str(year), "--format", "csv"],
                         check=True, capture_output=True, text=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    return {r["date"]: r["name"] for r in rows}


def main():
    binary = sys.argv[1]
    unexplained = 0
    explained = {}
    for calendar, library in CALENDARS.items():
        for year in range(2000, 2051):
            ours = depot(binary, calendar, year)
            theirs = {d.isoformat(): n for d, n in library(year).items() if d.year == year}
            for side, only in (("depot", set(ours) - set(theirs)), ("library", set(theirs) - set(ours))):
                for iso in sorted(only):
                    d = datetime.date.fromisoformat(iso)
                    name = ours.get(iso) or theirs.get(iso)
                    reason = next((r for c, p, r in KNOWN if c == calendar and p(d, name, side)), None)
                    if reason:
                        explained[(calendar, reason)] = explained.get((calendar, reason), 0) + 1
                    else:
                        unexplained += 1
                        print(f"{calendar} {iso} only in {side}: {name}")
    for (calendar, reason), count in sorted(explained.items()):
        print(f"explained: {calendar}: {count} dates: {reason}")
    print(f"{unexplained} unexplained differences")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
