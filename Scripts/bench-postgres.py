#!/usr/bin/env python3
"""PostgreSQL benchmarks beside their floors, in one run, on a throw-away cluster with fsync on.

    Scripts/bench-postgres.py DEPOT_BINARY OUTPUT_DIR [UNITS]

1. HTTP through haproxy in front of two `depot serve --database` (release build) on a demo fleet of UNITS units
   (default 10,000): cases opened per second (POST /api/v1/cases, wrk with a Lua script; target >= 2,000/s) with
   p99, and the unit API; every case answered 201 must be in the database.
2. The import of OUTPUT_DIR/import/appliances.csv (written by bench-import.py) with `depot import appliances
   --database` beside `psql \\copy` of the same file into a plain table of eight text columns (target <= 1.5x).
3. `depot report warranty-expiry --within-days 365` on that database beside `psql \\copy (SELECT ...) TO STDOUT
   CSV HEADER` of the same query (target <= 1.5x); both files must hold the same cells.
Prints one JSON line per part.
"""
import csv
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import measure, warranty_query  # noqa: E402

depot = os.path.abspath(sys.argv[1])
out = os.path.abspath(sys.argv[2])
units = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
folder = os.path.join(out, "postgres")
shutil.rmtree(folder, ignore_errors=True)
os.makedirs(folder)
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cluster = os.path.join("/tmp", f"depot-bench-pg-{os.getpid()}")
base_url = subprocess.run([os.path.join(root, "Scripts/postgres-cluster"), "start", cluster], check=True, capture_output=True,
                          text=True, env={**os.environ, "DEPOT_PG_FSYNC": "on"}).stdout.strip()
processes = []


def database(name):
    """A new empty database on the cluster and its URL."""
    parts = urllib.parse.urlsplit(base_url)
    subprocess.run(["psql", "-X", "-q", "-d", urllib.parse.urlunsplit(parts._replace(query="")), "-c", f"CREATE DATABASE {name}"],
                   check=True)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def plain(url):
    return url.split("?")[0]


def depot_run(url, *args, stdin=None):
    return subprocess.run([depot, *args, "--database", url, "--key-file", os.path.join(folder, "webhooks.key")], input=stdin,
                          check=True, capture_output=True, text=True).stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ticks():
    """CPU time (user + system clock ticks) of every process by its role: PostgreSQL, the servers, haproxy, wrk."""
    roles = {"postgres": "postgres", "haproxy": "haproxy"}
    ticks = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        role = "servers" if name.startswith("depot") else roles.get(name)
        if role:
            fields = stat[stat.rindex(")") + 2:].split()
            ticks[(role, pid)] = int(fields[11]) + int(fields[12])
    return ticks


def wrk(url, script, env, seconds=10, connections=32):
    before = cpu_ticks()
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url],
                            check=True, capture_output=True, text=True, env={**os.environ, **env}).stdout
    rate = float(next(l.split()[1] for l in result.splitlines() if l.startswith("Requests/sec")))
    p99 = next(l.split()[1] for l in result.splitlines() if l.strip().startswith("99%"))
    p99ms = float(p99[:-2]) if p99.endswith("ms") else float(p99[:-2]) / 1000 if p99.endswith("us") else float(p99[:-1]) * 1000
    requests = int(next(l.split()[0] for l in result.splitlines() if "requests in" in l))
    non2xx = next((int(l.split()[-1]) for l in result.splitlines() if "Non-2xx" in l), 0)
    # Where each request's CPU went (microseconds per request by role; processes that ended during the run are missed,
    # but none of these do): at 100% of the two cores, 1,000,000 us / (sum / 2) requests per second is the ceiling.
    spent = {}
    for (role, pid), ticks in cpu_ticks().items():
        spent[role] = spent.get(role, 0) + ticks - before.get((role, pid), 0)
    tick = os.sysconf("SC_CLK_TCK")
    cpu = {role: round(ticks / tick * 1e6 / max(requests, 1)) for role, ticks in sorted(spent.items())}
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk has ended: its time is a waited-for child's
    wrk_seconds = wrk_after.ru_utime + wrk_after.ru_stime - wrk_before.ru_utime - wrk_before.ru_stime
    cpu["wrk"] = round(wrk_seconds * 1e6 / max(requests, 1))
    return {"requestsPerSecond": rate, "p99ms": p99ms, "requests": requests, "failed": non2xx, "cpuMicrosecondsPerRequest": cpu}


def http():
    url = database("bench_http")
    depot_run(url, "init")
    depot_run(url, "demo", "--appliances", str(units))
    token = json.loads(depot_run(url, "user", "add", "bench", "--role", "admin", "--format", "json"))["token"]
    rows = subprocess.run(["psql", "-X", "-A", "-t", "-F", ",", "-d", plain(url), "-c", """
        -- A question needs an active contract (SPEC 3): a customer with one a day either side of today, anywhere.
        SELECT c.key, (SELECT min(email) FROM contact WHERE customer_id = c.id), a.serial
        FROM customer c JOIN appliance a ON a.customer_id = c.id AND a.status = 'in-service'
        WHERE EXISTS (SELECT 1 FROM contact WHERE customer_id = c.id)
          AND EXISTS (SELECT 1 FROM contract WHERE customer_id = c.id AND start_date < to_char(current_date - 1, 'YYYY-MM-DD')
                      AND end_date > to_char(current_date + 1, 'YYYY-MM-DD'))
        ORDER BY c.key LIMIT 1"""],
                          check=True, capture_output=True, text=True).stdout.strip()
    customer, contact, serial = rows.split(",")
    serials = subprocess.run(["psql", "-X", "-A", "-t", "-d", plain(url), "-c",
                              "SELECT serial FROM appliance WHERE customer_id IS NOT NULL ORDER BY random() LIMIT 5000"],
                             check=True, capture_output=True, text=True).stdout
    with open(os.path.join(folder, "serials.txt"), "w") as f:
        f.write(serials)
    before = int(subprocess.run(["psql", "-X", "-A", "-t", "-d", plain(url), "-c", "SELECT count(*) FROM support_case"],
                                check=True, capture_output=True, text=True).stdout)
    ports = [free_port(), free_port()]
    for i, port in enumerate(ports):
        processes.append(subprocess.Popen(
            [depot, "serve", "--database", url, "--key-file", os.path.join(folder, "webhooks.key"), "--port", str(port),
             "--log-level", "error"], stdout=open(os.path.join(folder, f"server-{i}.log"), "w"), stderr=subprocess.STDOUT))
    proxy = free_port()
    config = os.path.join(folder, "haproxy.cfg")
    with open(config, "w") as f:
        f.write(f"""
global
    maxconn 4000
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
frontend depot
    bind 127.0.0.1:{proxy}
    default_backend servers
backend servers
    balance roundrobin
    option httpchk GET /healthz
    server a 127.0.0.1:{ports[0]} check inter 1s
    server b 127.0.0.1:{ports[1]} check inter 1s
""")
    processes.append(subprocess.Popen(["haproxy", "-f", config, "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for _ in range(300):
        try:
            if all(urllib.request.urlopen(f"http://127.0.0.1:{p}/healthz", timeout=1).status == 200 for p in ports + [proxy]):
                break
        except OSError:
            time.sleep(0.1)
    get_lua = os.path.join(folder, "get.lua")
    with open(get_lua, "w") as f:
        f.write("""
local serials = {}
for line in io.lines(os.getenv("SERIALS")) do serials[#serials + 1] = line end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
request = function() return wrk.format("GET", "/api/v1/units/" .. serials[math.random(#serials)]) end
""")
    post_lua = os.path.join(folder, "post.lua")
    with open(post_lua, "w") as f:
        f.write("""
wrk.method = "POST"
wrk.path = "/api/v1/cases"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"customer": "' .. os.getenv("CUSTOMER") .. '", "contact": "' .. os.getenv("CONTACT") ..
    '", "type": "question", "impact": "low", "urgency": "low", "title": "wrk"}'
""")
    env = {"TOKEN": token, "SERIALS": os.path.join(folder, "serials.txt"), "CUSTOMER": customer, "CONTACT": contact}
    # One request by hand first: a benchmark of refusals measures nothing.
    probe = urllib.request.Request(f"http://127.0.0.1:{proxy}/api/v1/cases", method="POST", data=json.dumps({
        "customer": customer, "contact": contact, "type": "question", "impact": "low", "urgency": "low", "title": "probe"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        urllib.request.urlopen(probe, timeout=10).read()
    except urllib.error.HTTPError as error:
        raise SystemExit(f"POST /api/v1/cases answered {error.code}: {error.read().decode()}")
    results = []
    for target, script, address in [
        ("unit API through haproxy (GET /api/v1/units/{serial})", get_lua, f"http://127.0.0.1:{proxy}"),
        ("unit API, one server directly", get_lua, f"http://127.0.0.1:{ports[0]}"),
        ("cases opened through haproxy (POST /api/v1/cases)", post_lua, f"http://127.0.0.1:{proxy}"),
    ]:
        results.append({"target": target, **wrk(address, script, env)})
    after = int(subprocess.run(["psql", "-X", "-A", "-t", "-d", plain(url), "-c", "SELECT count(*) FROM support_case"],
                               check=True, capture_output=True, text=True).stdout)
    opened = results[-1]["requests"] - results[-1]["failed"]
    print(json.dumps({"part": "http", "units": units, "results": results, "casesAnswered201": opened,
                      "casesInDatabase": after - before}), flush=True)
    for process in processes:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    processes.clear()


def import_and_report():
    source = os.path.join(out, "import")
    appliances = os.path.join(source, "appliances.csv")
    if not os.path.exists(appliances):
        print(json.dumps({"part": "import", "skipped": "run Scripts/bench-import.py first"}), flush=True)
        return
    rows = sum(1 for _ in open(appliances)) - 1
    runs = {"depot": [], "psql": [], "keyed": []}
    url = None
    for attempt in range(3):
        url = database(f"bench_import_{attempt}")
        depot_run(url, "init")
        for entity in ("models", "customers", "sites", "depots", "contracts", "releases"):
            depot_run(url, "import", entity, os.path.join(source, f"{entity}.csv"))
        runs["depot"].append(measure([depot, "import", "appliances", appliances, "--database", url]))
        reference = database(f"bench_copy_{attempt}")
        subprocess.run(["psql", "-X", "-q", "-d", plain(reference), "-c",
                        "CREATE TABLE plain (serial TEXT, model TEXT, customer TEXT, site TEXT, depot TEXT, ship_date TEXT, "
                        "software_version TEXT, status TEXT)"], check=True)
        runs["psql"].append(measure(["psql", "-X", "-q", "-d", plain(reference), "-c",
                                     f"\\copy plain FROM '{appliances}' WITH (FORMAT csv, HEADER true)"]))
        # A second reference: the same rows into Depot's own table (its keys, indexes and triggers) by PostgreSQL
        # alone: COPY into a plain table, then one INSERT ... SELECT resolving the keys as the import does.
        keyed = database(f"bench_keyed_{attempt}")
        depot_run(keyed, "init")
        for entity in ("models", "customers", "sites", "depots", "contracts", "releases"):
            depot_run(keyed, "import", entity, os.path.join(source, f"{entity}.csv"))
        script = os.path.join(folder, "keyed.sql")
        with open(script, "w") as f:
            f.write(f"""
BEGIN;
SET LOCAL depot.bulk_load = 'on';
CREATE TEMPORARY TABLE plain (serial TEXT, model TEXT, customer TEXT, site TEXT, depot TEXT, ship_date TEXT,
    software_version TEXT, status TEXT) ON COMMIT DROP;
\\copy plain FROM '{appliances}' WITH (FORMAT csv, HEADER true)
INSERT INTO appliance (serial, model_id, customer_id, site_id, depot_id, ship_date, warranty_end, software_version, status)
SELECT p.serial, m.id, c.id, s.id, d.id, p.ship_date,
       to_char(CAST(p.ship_date AS date) + make_interval(months => CAST(m.warranty_months AS integer)), 'YYYY-MM-DD'),
       nullif(p.software_version, ''), coalesce(nullif(p.status, ''), CASE WHEN d.id IS NULL THEN 'in-service' ELSE 'in-stock' END)
FROM plain p JOIN model m ON m.key = p.model LEFT JOIN customer c ON c.key = p.customer LEFT JOIN site s ON s.key = p.site
LEFT JOIN depot d ON d.key = p.depot;
COMMIT;
""")
        runs["keyed"].append(measure(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", plain(keyed), "-f", script]))
    best = {k: min(v) for k, v in runs.items()}
    print(json.dumps({"part": "import", "rows": rows, "depotSeconds": best["depot"][0], "depotPeakMB": max(m for _, m in runs["depot"]),
                      "psqlSeconds": best["psql"][0], "psqlPeakMB": max(m for _, m in runs["psql"]),
                      "psqlKeyedSeconds": best["keyed"][0], "allPsqlKeyedSeconds": [t for t, _ in runs["keyed"]],
                      "allDepotSeconds": [t for t, _ in runs["depot"]], "allPsqlSeconds": [t for t, _ in runs["psql"]]}), flush=True)

    as_of, until = "2026-11-23", "2027-11-23"
    query = warranty_query(as_of, until, postgres=True).strip().rstrip(";").replace("\n", " ")
    depot_out, psql_out = os.path.join(folder, "warranty-expiry.depot.csv"), os.path.join(folder, "warranty-expiry.psql.csv")
    report = {"depot": [], "psql": []}
    for _ in range(3):
        report["depot"].append(measure([depot, "report", "warranty-expiry", "--as-of", as_of, "--within-days", "365",
                                        "--database", url], depot_out))
        report["psql"].append(measure(["psql", "-X", "-q", "-d", plain(url), "-c", f"\\copy ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)"],
                                      psql_out))

    def cells(path):
        with open(path, newline="", encoding="utf-8") as f:
            return [row for row in csv.reader(f)]
    a, b = cells(depot_out), cells(psql_out)
    best = {k: min(v) for k, v in report.items()}
    print(json.dumps({"part": "report", "rows": len(a) - 1, "identical": a[1:] == b[1:],
                      "depotSeconds": best["depot"][0], "depotPeakMB": max(m for _, m in report["depot"]),
                      "psqlSeconds": best["psql"][0], "psqlPeakMB": max(m for _, m in report["psql"]),
                      "allDepotSeconds": [t for t, _ in report["depot"]], "allPsqlSeconds": [t for t, _ in report["psql"]]}), flush=True)


try:
    parts = os.environ.get("DEPOT_BENCH_PG_PARTS", "http,import").split(",")
    if "http" in parts:
        http()
    if "import" in parts:
        import_and_report()
finally:
    for process in processes:
        if process.poll() is None:
            process.kill()
    subprocess.run([os.path.join(root, "Scripts/postgres-cluster"), "stop", cluster], capture_output=True)
    shutil.rmtree(cluster, ignore_errors=True)
