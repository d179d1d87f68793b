#!/usr/bin/env python3
"""The report benchmark: `depot report warranty-expiry --within-days 365` beside sqlite3 -csv of the same query.

    Scripts/bench-report.py DEPOT_BINARY DATABASE OUTPUT_DIR

DATABASE is the million-appliance database Scripts/bench-import.py leaves behind. Both write the same rows to a
file; the two files are read back with Python's csv module and must hold the same cells (sqlite3 ends lines
with LF and quotes cells with spaces, Depot ends them with CRLF as RFC 4180 says). Best of three alternating
runs, wall time and peak RSS each.
"""
import csv, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import measure, warranty_query  # noqa: E402

depot, database, out = sys.argv[1], sys.argv[2], sys.argv[3]
as_of, until = "2026-11-23", "2027-11-23"
query = warranty_query(as_of, until)

depot_out, sqlite_out = os.path.join(out, "warranty-expiry.depot.csv"), os.path.join(out, "warranty-expiry.sqlite3.csv")
runs = {"depot": [], "sqlite3": []}
for _ in range(3):
    runs["depot"].append(measure([depot, "report", "warranty-expiry", "--within-days", "365", "--as-of", as_of, "--db", database,
                                  "--output", depot_out]))
    runs["sqlite3"].append(measure(["sqlite3", "-csv", "-header", database, query], sqlite_out))
def cells(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))
identical = cells(depot_out) == cells(sqlite_out)
rows = sum(1 for _ in open(depot_out, encoding="utf-8")) - 1
best = {k: min(v) for k, v in runs.items()}
print(json.dumps({"measure": "report", "rows": rows, "identical": identical,
                  "depotSeconds": best["depot"][0], "depotPeakMB": max(m for _, m in runs["depot"]),
                  "sqliteSeconds": best["sqlite3"][0], "sqlitePeakMB": max(m for _, m in runs["sqlite3"]),
                  "allDepotSeconds": [t for t, _ in runs["depot"]], "allSqliteSeconds": [t for t, _ in runs["sqlite3"]]}))
