#!/usr/bin/env python3
"""HTTP benchmark of `depot serve` with wrk on loopback, on a demo fleet, in one run.

Targets: a constant route in the same server behind the same middleware (the reference, mounted only with
--benchmark-routes), the unit API, the unit page (signed in with a session cookie) and opening cases
(POST /api/v1/cases from a small wrk Lua script). Prints one JSON line with requests per second and p99
latency per target, and checks that every request succeeded and every case answered 201 is in the database.

Usage: Scripts/bench-http.py PATH/TO/depot OUT_FOLDER [UNITS]
"""
import http.cookiejar
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request

import depot_server

depot = os.path.abspath(sys.argv[1])
folder = os.path.join(sys.argv[2], "http")
units = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
duration = os.environ.get("DEPOT_BENCH_HTTP_SECONDS", "10")
connections = os.environ.get("DEPOT_BENCH_HTTP_CONNECTIONS", "32")
shutil.rmtree(folder, ignore_errors=True)
os.makedirs(folder)
database = os.path.join(folder, "depot.sqlite")


def run(*args):
    return subprocess.run([depot, *args, "--db", database], check=True, capture_output=True, text=True).stdout


run("demo", "--appliances", str(units))
user = json.loads(run("user", "add", "bench", "--role", "admin", "--format", "json"))

db = sqlite3.connect(database)
serials = [r[0] for r in db.execute("SELECT serial FROM appliance WHERE customer_id IS NOT NULL ORDER BY random() LIMIT 5000")]
customer, contact, serial = db.execute("""
    SELECT c.key, ct.email, a.serial FROM customer c JOIN contact ct ON ct.customer_id = c.id
    JOIN appliance a ON a.customer_id = c.id AND a.status = 'in-service' ORDER BY c.key LIMIT 1""").fetchone()
cases_before = db.execute("SELECT count(*) FROM support_case").fetchone()[0]
db.close()
with open(os.path.join(folder, "serials.txt"), "w") as f:
    f.write("\n".join(serials) + "\n")

lua_get = os.path.join(folder, "get.lua")
with open(lua_get, "w") as f:
    f.write("""
-- GET PREFIX..SERIAL with a serial picked at random from serials.txt; HEADER from the environment.
local serials = {}
for line in io.lines(os.getenv("SERIALS")) do serials[#serials + 1] = line end
local prefix = os.getenv("PREFIX")
wrk.headers[os.getenv("HEADER_NAME")] = os.getenv("HEADER_VALUE")
request = function()
  return wrk.format("GET", prefix .. serials[math.random(#serials)])
end
""")
lua_post = os.path.join(folder, "open-case.lua")
body = json.dumps({"customer": customer, "contact": contact, "type": "hardware-fault", "serial": serial, "impact": "medium",
                   "urgency": "medium", "title": "Benchmark case", "description": "opened by Scripts/bench-http.py"})
with open(lua_post, "w") as f:
    f.write(f"""
-- POST /api/v1/cases with the fields of `depot case open`.
wrk.method = "POST"
wrk.path = "/api/v1/cases"
wrk.body = {json.dumps(body)}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {user['token']}"
""")

def start(*extra):
    """`depot serve` on this run's database with `extra` options (see depot_server.serve)."""
    return depot_server.serve(depot, database, *extra)


def stop(server):
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)


def wrk(base, name, script, env):
    result = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script, base],
                            env={**os.environ, **env}, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", result)
    p99ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    total = int(re.search(r"(\d+) requests in", result).group(1))
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", result)
    errors = re.search(r"Socket errors: (.*)", result)
    return {"target": name, "requestsPerSecond": rps, "p99ms": p99ms, "requests": total,
            "failed": int(failed.group(1)) if failed else 0, "socketErrors": errors.group(1) if errors else None}


server, base = start("--benchmark-routes")
try:
    # A browser session for the unit page: the sign-in form's token and cookie, then the session cookie.
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base + "/sign-in").read().decode()
    token = re.search(r'name="token" value="([^"]+)"', form).group(1)
    opener.open(base + "/sign-in", urllib.parse.urlencode({"token": token, "name": "bench", "password": user["password"]}).encode())
    session = next(c.value for c in jar if c.name == "depot_session")

    bearer = {"HEADER_NAME": "Authorization", "HEADER_VALUE": "Bearer " + user["token"], "SERIALS": os.path.join(folder, "serials.txt")}
    results = [
        wrk(base, "constant route GET /api/v1/constant", lua_get, {**bearer, "PREFIX": "/api/v1/constant?"}),
        wrk(base, "unit API GET /api/v1/units/{serial}", lua_get, {**bearer, "PREFIX": "/api/v1/units/"}),
        wrk(base, "unit page GET /units/{serial}", lua_get, {**bearer, "HEADER_NAME": "Cookie",
                                                              "HEADER_VALUE": "depot_session=" + session, "PREFIX": "/units/"}),
        wrk(base, "open cases POST /api/v1/cases", lua_post, {}),
    ]
finally:
    stop(server)
# Issue 19's durability: the same case openings with the writer's synchronous=NORMAL (what the server ran before
# it), side by side with FULL, the default above.
server, base = start("--durability", "normal")
try:
    results.append(wrk(base, "open cases, --durability normal (before)", lua_post, {}))
finally:
    stop(server)

db = sqlite3.connect(database)
opened = db.execute("SELECT count(*) FROM support_case").fetchone()[0] - cases_before
db.close()
print(json.dumps({"units": units, "connections": int(connections), "seconds": int(duration), "results": results, "casesInDatabase": opened}))
