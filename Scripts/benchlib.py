"""What the benchmark scripts share: timing a command with its peak memory, and the warranty-expiry report's query
as plain SQL for sqlite3 (the reference Depot's report is measured against)."""
import resource  # noqa: F401  (used by the probe, in a child Python)
import subprocess
import sys


def measure(command, stdout_path=None):
    """Wall time and peak RSS (MB) of one command, run by a fresh Python so RUSAGE_CHILDREN is its alone; its
    standard output goes to `stdout_path` (else nowhere)."""
    probe = ("import resource, subprocess, sys, time\n"
             "out = open(sys.argv[1], 'wb') if sys.argv[1] != '-' else subprocess.DEVNULL\n"
             "t = time.perf_counter(); subprocess.run(sys.argv[2:], check=True, stdout=out)\n"
             "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    seconds, kilobytes = subprocess.run([sys.executable, "-c", probe, stdout_path or "-"] + command,
                                        check=True, capture_output=True, text=True).stdout.split()
    return float(seconds), int(kilobytes) / 1024


def warranty_query(as_of, until, postgres=False):
    """`depot report warranty-expiry --as-of AS_OF` with the window ending before UNTIL, as one SQL statement (for
    sqlite3, or for psql with `postgres`)."""
    days_left = (f"CAST(a.warranty_end AS date) - DATE '{as_of}'" if postgres
                 else f"CAST(julianday(a.warranty_end) - julianday('{as_of}') AS INTEGER)")
    return f"""
WITH active AS (
    SELECT customer_id, tier, end_date, ROW_NUMBER() OVER (
        PARTITION BY customer_id
        ORDER BY CASE tier WHEN 'premium-plus' THEN 3 WHEN 'premium' THEN 2 ELSE 1 END DESC, end_date DESC) AS rank
    FROM contract WHERE start_date <= '{as_of}' AND end_date >= '{as_of}')
SELECT c.key AS customer, c.account_manager, s.key AS site, a.serial, m.key AS model, a.ship_date, a.warranty_end,
       {days_left} AS days_left, ac.tier AS contract_tier, ac.end_date AS contract_end
FROM appliance a
JOIN customer c ON c.id = a.customer_id JOIN site s ON s.id = a.site_id JOIN model m ON m.id = a.model_id
LEFT JOIN active ac ON ac.customer_id = a.customer_id AND ac.rank = 1
WHERE a.status IN ('in-service', 'suspect', 'defective') AND a.warranty_end >= '{as_of}' AND a.warranty_end < '{until}'
ORDER BY a.warranty_end, a.serial;
"""
