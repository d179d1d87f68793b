#!/usr/bin/env python3
"""The cost of a web-form upload (multipart) against the API's raw body, and whether uploads hold up other requests.

Measures, on one `depot serve` (issue 19, session 18):
- the server's CPU seconds for one 20 MB file sent through the case page's form (multipart) and for the same bytes sent
  as the API's raw body, and their ratio (the reference: the raw body);
- the slowest `/healthz` answer, polled every 0.1 s, while two 10 MB form uploads run at once.
Prints one JSON line. Usage: Scripts/bench-uploads.py PATH/TO/depot OUT_FOLDER
"""
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import depot_server

depot = os.path.abspath(sys.argv[1])
folder = os.path.join(sys.argv[2], "uploads")
os.makedirs(folder, exist_ok=True)
db = os.path.join(folder, f"depot-{os.getpid()}.sqlite")
run = lambda *a: subprocess.run([depot, *a, "--db", db], check=True, capture_output=True, text=True).stdout
run("demo", "--appliances", "60")
engineer = json.loads(run("user", "add", "bench-engineer", "--role", "support-engineer", "--format", "json"))
server, base = depot_server.serve(depot, db, "--no-worker")


def cpu_seconds():
    fields = open(f"/proc/{server.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# A browser: the sign-in form's token, the session cookie, the case page's CSRF token.
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
form = opener.open(base + "/sign-in").read().decode()
token = re.search(r'name="token" value="([^"]+)"', form).group(1)
opener.open(base + "/sign-in", data=urllib.parse.urlencode(
    {"token": token, "name": "bench-engineer", "password": engineer["password"]}).encode())
csrf = re.search(r'name="csrf" value="([^"]+)"', opener.open(base + "/cases/CS-2026-000001").read().decode()).group(1)
boundary = "DepotBenchBoundary"


def form_upload(content):
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(base + "/cases/CS-2026-000001/attachments", data=body,
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    return opener.open(request).status


def raw_upload(content):
    request = urllib.request.Request(base + "/api/v1/cases/CS-2026-000001/attachments?name=bench.bin", data=content,
                                     headers={"Content-Type": "application/octet-stream",
                                              "Authorization": "Bearer " + engineer["token"]})
    return urllib.request.urlopen(request).status


try:
    content = os.urandom(20_000_000)
    before = cpu_seconds(); form_status = form_upload(content); form_cpu = cpu_seconds() - before
    before = cpu_seconds(); raw_status = raw_upload(content[::-1]); raw_cpu = cpu_seconds() - before
    statuses = []
    uploads = [threading.Thread(target=lambda: statuses.append(form_upload(os.urandom(10_000_000)))) for _ in range(2)]
    for upload in uploads: upload.start()
    slowest = 0.0
    while any(upload.is_alive() for upload in uploads):
        started = time.time(); urllib.request.urlopen(base + "/healthz"); slowest = max(slowest, time.time() - started)
        time.sleep(0.1)
    print(json.dumps({
        "formUpload20MBCpuSeconds": round(form_cpu, 2), "rawUpload20MBCpuSeconds": round(raw_cpu, 2),
        "formOverRaw": round(form_cpu / max(raw_cpu, 0.01), 1), "statuses": [form_status, raw_status] + statuses,
        "slowestHealthzDuringTwoUploadsSeconds": round(slowest, 3)}))
finally:
    server.terminate()
    server.wait(timeout=60)
