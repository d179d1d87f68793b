#!/usr/bin/env python3
"""The API contract fuzzed (issue 19): schemathesis against `depot serve` on the demo fleet, with a token of each role.

Runs the examples, coverage, fuzzing and stateful phases with the checks the issue names (and `unsupported_method`:
a method the document does not declare on a path is 405 with Allow), the identifiers of the demo fleet
supplied in a generated config so every operation can answer 2xx, and the destructive erase-contacts operation left
out. Fails (exit 1) on any failure schemathesis finds or when fewer than MIN_REQUESTS requests were generated.

Usage: Scripts/fuzz-api.py PATH/TO/depot [SECONDS_FOR_ADMIN]   (schemathesis from Scripts/requirements-fuzz.txt)
"""
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

import depot_server

depot = os.path.abspath(sys.argv[1])
admin_seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 95
MIN_REQUESTS = 2000
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "negative_data_rejection,positive_data_acceptance,use_after_free,ignored_auth,unsupported_method")
st = shutil.which("st") or os.path.join(os.path.dirname(sys.executable), "st")

folder = tempfile.mkdtemp(prefix="depot-fuzz-")
database = os.path.join(folder, "depot.sqlite")


def run(*args):
    return subprocess.run([depot, *args, "--db", database], check=True, capture_output=True, text=True).stdout


run("demo", "--appliances", "200")
tokens = {role: json.loads(run("user", "add", f"fuzz-{role}", "--role", role, "--format", "json"))["token"]
          for role in ("admin", "support-engineer", "logistics", "account-manager")}
db = sqlite3.connect(database)
case = db.execute("SELECT number FROM support_case WHERE status <> 'closed' ORDER BY id LIMIT 1").fetchone()[0]
rma = db.execute("SELECT number FROM rma WHERE state NOT IN ('closed', 'cancelled') ORDER BY id LIMIT 1").fetchone()[0]
serial = db.execute("SELECT serial FROM appliance WHERE customer_id IS NOT NULL ORDER BY id LIMIT 1").fetchone()[0]
customer = db.execute("SELECT key FROM customer ORDER BY key LIMIT 1").fetchone()[0]
db.close()
# Known identifiers of the demo fleet, so that every operation is reached with a 2xx at least once; a retry of an
# Idempotency-Key with another request is a 422 by design, so positive data may meet it.
config = os.path.join(folder, "schemathesis.toml")
with open(config, "w") as f:
    f.write(f"""
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]

[[operations]]
include-path-regex = "^/api/v1/cases/\\\\{{number\\\\}}"
parameters = {{ "path.number" = "{case}" }}

[[operations]]
include-path-regex = "^/api/v1/rmas/\\\\{{number\\\\}}"
parameters = {{ "path.number" = "{rma}" }}

[[operations]]
include-path-regex = "^/api/v1/units/\\\\{{serial\\\\}}"
parameters = {{ "path.serial" = "{serial}" }}

[[operations]]
include-path-regex = "^/api/v1/customers/\\\\{{key\\\\}}"
parameters = {{ "path.key" = "{customer}" }}
""")

server, base = depot_server.serve(depot, database, "--no-worker", log_level="error")
failed = False
generated = 0
try:
    # The admin reaches every operation; the other roles check that refusals (403) are documented answers too. One
    # worker: with two, hypothesis (under schemathesis 4.32.5) now and then stopped on an internal KeyError of a cache
    # its threads share (seen in the coverage and the fuzzing phases), a failure of the tool, not of the server.
    # The coverage phase (boundary values of every schema, and the methods the document does not declare) runs as
    # the admin: it spends about 25 s drawing values for the document's text patterns, which the other roles' short
    # runs, there to see refusals, do not need.
    for role, seconds in (("admin", admin_seconds), ("support-engineer", 20), ("logistics", 15), ("account-manager", 15)):
        phases = "examples,coverage,fuzzing,stateful" if role == "admin" else "examples,fuzzing,stateful"
        started = time.time()
        result = subprocess.run(
            [st, "--config-file", config, "run", base + "/api/openapi.yaml", "-H", f"Authorization: Bearer {tokens[role]}",
             "--max-time", str(seconds), "--phases", phases, "--exclude-operation-id", "eraseContacts",
             "--checks", CHECKS, "--workers", "1", "--no-color"],
            capture_output=True, text=True, cwd=folder)  # its cache (.schemathesis/) goes with the folder
        output = result.stdout + result.stderr
        counted = re.search(r"(\d+) generated", output)
        count = int(counted.group(1)) if counted else 0
        generated += count
        summary = output.strip().splitlines()[-1] if output.strip() else "(no output)"
        print(f"schemathesis as {role}: {count} requests in {time.time() - started:.0f} s: {summary}")
        if result.returncode != 0:
            failed = True
            print(output)
finally:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    shutil.rmtree(folder, ignore_errors=True)
print(f"schemathesis: {generated} requests in all")
if failed or generated < MIN_REQUESTS:
    sys.exit(1)
