#!/usr/bin/env python3
"""Memory of `depot serve` while 8 clients download one 24 MB attachment at once (issue 19: streamed from disk).

Prints one JSON line: the resident memory before, at its peak (sampled every 10 ms) and after, in MB.
Usage: Scripts/bench-downloads.py PATH/TO/depot OUT_FOLDER
"""
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

import depot_server

depot = os.path.abspath(sys.argv[1])
folder = os.path.join(sys.argv[2], "downloads")
os.makedirs(folder, exist_ok=True)
db = os.path.join(folder, f"depot-{os.getpid()}.sqlite")
run = lambda *a: subprocess.run([depot, *a, "--db", db], check=True, capture_output=True, text=True).stdout
run("demo", "--appliances", "200")
user = json.loads(run("user", "add", "probe", "--role", "admin", "--format", "json"))
server, base = depot_server.serve(depot, db, "--no-worker")
auth = {"Authorization": "Bearer " + user["token"], "Content-Type": "application/json"}
customer, contact = sqlite3.connect(db).execute(
    "SELECT c.key, ct.email FROM customer c JOIN contact ct ON ct.customer_id = c.id ORDER BY c.key LIMIT 1").fetchone()
body = json.dumps({"customer": customer, "contact": contact, "type": "question", "impact": "low", "urgency": "low",
                   "title": "download probe"}).encode()
case = json.loads(urllib.request.urlopen(urllib.request.Request(base + "/api/v1/cases", body, auth)).read())["case"]
data = os.urandom(24_000_000)
up = urllib.request.Request(f"{base}/api/v1/cases/{case}/attachments?name=big.bin", data, {**auth, "Content-Type": "application/octet-stream"})
aid = json.loads(urllib.request.urlopen(up).read())["id"]
def rss(kind): 
    for l in open(f"/proc/{server.pid}/status"):
        if l.startswith(kind): return int(l.split()[1]) // 1024
before = rss("VmRSS")
peak = [before]
stop = False
def sample():
    while not stop:
        peak[0] = max(peak[0], rss("VmRSS")); time.sleep(0.01)
t = threading.Thread(target=sample); t.start()
def get():
    r = urllib.request.urlopen(urllib.request.Request(f"{base}/api/v1/attachments/{aid}", headers=auth))
    n = 0
    while True:
        chunk = r.read(65536)
        if not chunk: break
        n += len(chunk); time.sleep(0.0005)
    assert n == 24_000_000
ts = [threading.Thread(target=get) for _ in range(8)]
start = time.time()
[x.start() for x in ts]; [x.join() for x in ts]
stop = True; t.join()
after = rss("VmRSS")
print(json.dumps({"rssBeforeMB": before, "rssPeakMB": peak[0], "rssAfterMB": after, "seconds": round(time.time() - start, 2)}))
server.terminate(); server.wait()
