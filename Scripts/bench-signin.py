#!/usr/bin/env python3
"""Sign-in load beside other requests (issue 19): /healthz latency while N browsers sign in at once (each sign-in a
bcrypt check), against /healthz with no load (the reference), on a demo fleet, in one run. Password checks run on
threads of their own, a bounded number at once (more are answered 503 at once), so other requests should not wait
for them. Prints one JSON line per N: the sign-ins' statuses and /healthz's median and worst latency.

Usage: Scripts/bench-signin.py PATH/TO/depot OUT_FOLDER [N ...]
"""
import concurrent.futures
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

depot = os.path.abspath(sys.argv[1])
folder = os.path.join(sys.argv[2], "signin")
counts = [int(n) for n in sys.argv[3:]] or [24, 48]
shutil.rmtree(folder, ignore_errors=True)
os.makedirs(folder)
database = os.path.join(folder, "depot.sqlite")


def run(*args):
    return subprocess.run([depot, *args, "--db", database], check=True, capture_output=True, text=True).stdout


def sign_in(base, name, password):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/sign-in").read().decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"token": token, "name": name, "password": password}).encode()
    try:
        return opener.open(base + "/sign-in", data).status
    except urllib.error.HTTPError as e:
        return e.code


def healthz(base, times=20):
    latencies = []
    for _ in range(times):
        start = time.perf_counter()
        urllib.request.urlopen(base + "/healthz").read()
        latencies.append((time.perf_counter() - start) * 1000)
    return sorted(latencies)


run("demo", "--appliances", "1000")
user = json.loads(run("user", "add", "bench", "--role", "admin", "--format", "json"))
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
base = f"http://127.0.0.1:{port}"
server = subprocess.Popen([depot, "serve", "--port", str(port), "--db", database, "--log-level", "error", "--no-worker"])
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz")
            break
        except OSError:
            time.sleep(0.1)
    idle = healthz(base)
    for n in counts:
        # Right passwords: a success is never throttled, so every one costs a check.
        with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
            futures = [pool.submit(sign_in, base, user["user"], user["password"]) for _ in range(n)]
            time.sleep(0.3)
            loaded = healthz(base)
            statuses = [f.result() for f in futures]
        print(json.dumps({
            "signIns": n, "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
            "healthzMedianMs": round(loaded[len(loaded) // 2], 1), "healthzMaxMs": round(loaded[-1], 1),
            "idleMedianMs": round(idle[len(idle) // 2], 1), "idleMaxMs": round(idle[-1], 1),
        }))
finally:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
