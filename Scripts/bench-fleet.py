#!/usr/bin/env python3
"""Fleet-size table (issue 16): how each page and API route support staff open all day answers as the fleet grows.

For each fleet size: a demo fleet of that many units (`depot demo`), `depot serve`, one signed-in browser session and
an API token, then for each route one warm-up request and REQUESTS timed requests, one at a time on one keep-alive
connection (the latency a user sees, not throughput). Prints one JSON line per size with the median and p99 in
milliseconds per route, then the table with each route's ratio to the smallest fleet.

Then, on the same database, the reports whose cost the issue bounds: `depot report spare-stock` and `failure-rates`
(the whole command, process start included), and `depot report warranty-expiry` over 90 days beside sqlite3 running
the same query (best of three, alternating; the two outputs must hold the same cells).

The demo's customers stay the same at every size (DEPOT_BENCH_FLEET_CUSTOMERS, default 24, as the issue measured):
the fleet grows, not the number of customers, so each customer's share grows with it.

With DEPOT_BENCH_FLEET_STORE=postgres the same on PostgreSQL: a throw-away cluster (fsync on), a database per size,
and `psql \\copy (SELECT ...) TO STDOUT` as warranty-expiry's reference instead of sqlite3.

Usage: Scripts/bench-fleet.py PATH/TO/depot OUT_FOLDER SIZE [SIZE ...]
   (environment: DEPOT_BENCH_FLEET_REQUESTS, default 50; DEPOT_BENCH_FLEET_CUSTOMERS, default 24;
    DEPOT_BENCH_FLEET_STORE, sqlite (default) or postgres)
"""
import atexit
import csv
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import measure as measure_command, warranty_query  # noqa: E402

depot = os.path.abspath(sys.argv[1])
postgres = os.environ.get("DEPOT_BENCH_FLEET_STORE", "sqlite") == "postgres"
out = os.path.join(sys.argv[2], "fleet-postgres" if postgres else "fleet")
sizes = [int(s) for s in sys.argv[3:]] or [100_000]
requests = int(os.environ.get("DEPOT_BENCH_FLEET_REQUESTS", "50"))
customers = os.environ.get("DEPOT_BENCH_FLEET_CUSTOMERS", "24")
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Store:
    """The database of one fleet size: a SQLite file, or a database on the throw-away PostgreSQL cluster."""

    def __init__(self, folder, size):
        if postgres:
            parts = urllib.parse.urlsplit(cluster_url)
            subprocess.run(["psql", "-X", "-q", "-d", urllib.parse.urlunsplit(parts._replace(query="")), "-c",
                            f"CREATE DATABASE fleet_{size}"], check=True)
            self.url = urllib.parse.urlunsplit(parts._replace(path=f"/fleet_{size}"))
            self.args = ["--database", self.url, "--key-file", os.path.join(folder, "webhooks.key")]
        else:
            self.path = os.path.join(folder, "depot.sqlite")
            self.args = ["--db", self.path]

    def value(self, sql):
        """The first column of the first row of `sql`."""
        if postgres:
            return subprocess.run(["psql", "-X", "-A", "-t", "-d", self.url.split("?")[0], "-c", sql], check=True,
                                  capture_output=True, text=True).stdout.splitlines()[0]
        db = sqlite3.connect(self.path)
        try:
            return db.execute(sql).fetchone()[0]
        finally:
            db.close()

    def reference(self, query):
        """The command that writes `query`'s result as CSV with a header to stdout."""
        if postgres:
            return ["psql", "-X", "-q", "-d", self.url.split("?")[0], "-c",
                    f"\\copy ({query.strip().rstrip(';')}) TO STDOUT WITH (FORMAT csv, HEADER true)"]
        return ["sqlite3", "-csv", "-header", self.path, query]


def measure(size):
    folder = os.path.join(out, str(size))
    os.makedirs(folder)
    store = Store(folder, size)

    def run(*args):
        return subprocess.run([depot, *args, *store.args], check=True, capture_output=True, text=True).stdout

    if postgres:
        run("init")
    demo_seconds, demo_mb = measure_command([depot, "demo", "--appliances", str(size), "--customers", customers, *store.args])
    reports = measure_reports(store, folder)
    user = json.loads(run("user", "add", "bench", "--role", "admin", "--format", "json"))
    # The customer with the most units, and one of its units: the worst case of the per-customer pages.
    customer = store.value(
        "SELECT c.key FROM customer c JOIN appliance a ON a.customer_id = c.id GROUP BY c.id ORDER BY count(*) DESC LIMIT 1")
    serial = store.value(
        "SELECT a.serial FROM appliance a JOIN customer c ON c.id = a.customer_id WHERE c.key = '"
        + customer.replace("'", "''") + "' LIMIT 1")
    port = free_port()
    server = subprocess.Popen([depot, "serve", "--port", str(port), *store.args, "--log-level", "warning"])
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(300):
            try:
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        # A browser session: the sign-in form's token and cookie, then the session cookie.
        connection.request("GET", "/sign-in")
        response = connection.getresponse()
        form = response.read().decode()
        token = re.search(r'name="token" value="([^"]+)"', form).group(1)
        signin_cookie = response.getheader("Set-Cookie").split(";")[0]
        body = urllib.parse.urlencode({"token": token, "name": "bench", "password": user["password"]})
        connection.request("POST", "/sign-in", body, {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": signin_cookie})
        response = connection.getresponse()
        response.read()
        session = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") if c.startswith("depot_session=")][0]
        page = {"Cookie": session}
        api = {"Authorization": "Bearer " + user["token"]}
        key = urllib.parse.quote(customer, safe="")
        routes = [
            ("support", "/support", page), ("logistics", "/logistics", page), ("accounts", "/accounts", page),
            ("customer page", f"/customers/{key}", page), ("customer API", f"/api/v1/customers/{key}", api),
            ("unit page", f"/units/{urllib.parse.quote(serial, safe='')}", page),
            ("unit API", f"/api/v1/units/{urllib.parse.quote(serial, safe='')}", api),
            ("case list", "/cases", page), ("RMA list", "/rmas", page),
        ]
        result = {"units": size, "demo_seconds": round(demo_seconds, 1), "demo_peak_mb": round(demo_mb), "reports": reports,
                  "routes": {}}
        for name, path, headers in routes:
            times = []
            for i in range(requests + 1):
                t = time.perf_counter()
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise SystemExit(f"GET {path} answered {response.status}")
                if i > 0:
                    times.append((time.perf_counter() - t) * 1000)
            times.sort()
            result["routes"][name] = {
                "median_ms": round(statistics.median(times), 2), "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2)}
        return result
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def measure_reports(store, folder):
    """Seconds of the reports the issue bounds (best of three), and warranty-expiry beside sqlite3 (or psql)."""
    def cells(path):
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.reader(f))
    as_of = time.strftime("%Y-%m-%d", time.gmtime())
    until = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 90 * 86400))
    found = {}
    for name in ("spare-stock", "failure-rates"):
        found[name] = min(measure_command([depot, "report", name, "--as-of", as_of, *store.args])[0] for _ in range(3))
    depot_out, sqlite_out = os.path.join(folder, "expiry.depot.csv"), os.path.join(folder, "expiry.sqlite3.csv")
    runs = {"depot": [], "sqlite3": []}
    for _ in range(3):
        runs["depot"].append(measure_command([depot, "report", "warranty-expiry", "--within-days", "90", "--as-of", as_of,
                                              *store.args, "--output", depot_out])[0])
        runs["sqlite3"].append(measure_command(store.reference(warranty_query(as_of, until, postgres=postgres)), sqlite_out)[0])
    found["warranty-expiry"] = min(runs["depot"])
    found["warranty-expiry sqlite3"] = min(runs["sqlite3"])
    found["warranty-expiry identical"] = cells(depot_out) == cells(sqlite_out)
    found["warranty-expiry rows"] = len(cells(depot_out)) - 1
    return found


cluster_url = None
cluster_folder = os.path.join("/tmp", f"depot-bench-fleet-pg-{os.getpid()}")
cluster_script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "postgres-cluster")
if postgres:
    cluster_url = subprocess.run([cluster_script, "start", cluster_folder], check=True, capture_output=True, text=True,
                                 env={**os.environ, "DEPOT_PG_FSYNC": "on"}).stdout.strip()
    atexit.register(lambda: subprocess.run([cluster_script, "stop", cluster_folder], capture_output=True))
results = []
for size in sizes:
    result = measure(size)
    print(json.dumps(result), flush=True)
    results.append(result)
base = results[0]
print(f"\nfleet-size table on {'PostgreSQL' if postgres else 'SQLite'}, {requests} sequential requests per route after one warm-up, release build:")
print("route".ljust(16) + "".join(f"{r['units']:>22,}" for r in results) + "   ratio to the first")
for name in base["routes"]:
    cells = "".join(f"{r['routes'][name]['median_ms']:>10.2f} / {r['routes'][name]['p99_ms']:>8.2f}" for r in results)
    ratio = results[-1]["routes"][name]["median_ms"] / max(base["routes"][name]["median_ms"], 0.001)
    print(name.ljust(16) + cells + f"   {ratio:.1f}x")
print("(median / p99, milliseconds)")
print("\nreports (seconds, best of three, the whole command):")
print("report".ljust(28) + "".join(f"{r['units']:>14,}" for r in results))
reference = "psql \\copy" if postgres else "sqlite3"
for name in ("spare-stock", "failure-rates", "warranty-expiry", "warranty-expiry sqlite3"):
    print(name.replace("sqlite3", reference).ljust(28) + "".join(f"{r['reports'][name]:>14.3f}" for r in results))
print(f"warranty-expiry / {reference}".ljust(28) + "".join(
    f"{r['reports']['warranty-expiry'] / r['reports']['warranty-expiry sqlite3']:>13.2f}x" for r in results))
print(f"same cells as {reference}".ljust(28) + "".join(f"{str(r['reports']['warranty-expiry identical']):>14}" for r in results))
print("demo (s / peak MB)".ljust(28) + "".join(f"{r['demo_seconds']:>8.1f} / {r['demo_peak_mb']:>4}" for r in results))
