#!/usr/bin/env python3
"""The report benchmark: `depot report warranty-expiry --within-days 365` beside sqlite3 -csv of the same query.

    Scripts/bench-report.py DEPOT_BINARY DATABASE OUTPUT_DIR

DATABASE is the million-appliance database Scripts/bench-import.py leaves behind. Both write the same rows to a
file; the two files are read back with Python's csv module and must hold the same cells (sqlite3 ends lines
with LF and quotes cells with spaces, Depot ends them with CRLF as RFC 4180 says). Best of three alternating
runs, wall time and peak RSS each.
"""
import csv, json, os, resource, subprocess, sys

depot, database, out = sys.argv[1], sys.argv[2], sys.argv[3]
as_of, until = "2026-11-23", "2027-11-23"
query = f"""
WITH active AS (
    SELECT customer_id, tier, end_date, ROW_NUMBER() OVER (
        PARTITION BY customer_id
        ORDER BY CASE tier WHEN 'premium-plus' THEN 3 WHEN 'premium' THEN 2 ELSE 1 END DESC, end_date DESC) AS rank
    FROM contract WHERE start_date <= '{as_of}' AND end_date >= '{as_of}')
SELECT c.key AS customer, c.account_manager, s.key AS site, a.serial, m.key AS model, a.ship_date, a.warranty_end,
       CAST(julianday(a.warranty_end) - julianday('{as_of}') AS INTEGER) AS days_left, ac.tier AS contract_tier, ac.end_date AS contract_end
FROM appliance a
JOIN customer c ON c.id = a.customer_id JOIN site s ON s.id = a.site_id JOIN model m ON m.id = a.model_id
LEFT JOIN active ac ON ac.customer_id = a.customer_id AND ac.rank = 1
WHERE a.status IN ('in-service', 'suspect', 'defective') AND a.warranty_end >= '{as_of}' AND a.warranty_end < '{until}'
ORDER BY a.warranty_end, a.serial;
"""

def measure(command, stdout_path=None):
    probe = ("import resource, subprocess, sys, time\n"
             "out = open(sys.argv[1], 'wb') if sys.argv[1] != '-' else subprocess.DEVNULL\n"
             "t = time.perf_counter(); subprocess.run(sys.argv[2:], check=True, stdout=out)\n"
             "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    seconds, kilobytes = subprocess.run([sys.executable, "-c", probe, stdout_path or "-"] + command,
                                        check=True, capture_output=True, text=True).stdout.split()
    return float(seconds), int(kilobytes) / 1024

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
