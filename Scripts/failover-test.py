#!/usr/bin/env python3
"""Failover test: two `depot serve` on one PostgreSQL database behind haproxy; one is killed (SIGKILL) mid-load.

Clients open cases and diagnose units through haproxy with Idempotency-Keys, retrying the same key after any
failure, as clients behind a load balancer do. Afterwards: every request was answered; every acknowledged write
exists exactly once (no duplicate from the retries); the outbox delivered every notification and the receiver
acted on each key once; each due escalation fired once although both servers check escalations.

Usage: Scripts/failover-test.py PATH/TO/depot POSTGRES_URL   (the URL of any database on a running server)
"""
import datetime
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

depot = os.path.abspath(sys.argv[1])
server_url = urllib.parse.urlsplit(sys.argv[2])
name = f"failover_{os.getpid()}"
url = urllib.parse.urlunsplit(server_url._replace(path="/" + name))
admin_url = urllib.parse.urlunsplit(server_url._replace(query=""))
folder = tempfile.mkdtemp(prefix="depot-failover-")
key_file = os.path.join(folder, "webhooks.key")
processes = []
failures = []


def check(condition, message):
    print(("ok    " if condition else "FAIL  ") + message, flush=True)
    if not condition:
        failures.append(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, stdin=None):
    result = subprocess.run([depot, *args, "--database", url, "--key-file", key_file], input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"depot {' '.join(args)}: {result.stderr}")
    return result.stdout


def psql(sql):
    out = subprocess.run(["psql", "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", urllib.parse.urlunsplit(
        server_url._replace(path="/" + name, query="")), "-c", sql], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def start(args, log):
    process = subprocess.Popen(args, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    processes.append(process)
    return process


class Receiver(http.server.BaseHTTPRequestHandler):
    """A webhook receiver acting once per Idempotency-Key."""
    lock = threading.Lock()
    received = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Receiver.lock:
            Receiver.received.append(self.headers.get("Idempotency-Key"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def request(base, method, path, token, key, body):
    """One logical request: the same key until an answer that is not a server or proxy failure (at most 60 s)."""
    deadline = time.time() + 60
    attempts = 0
    while True:
        attempts += 1
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key})
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, json.loads(response.read()), attempts
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return error.code, json.loads(error.read() or b"{}"), attempts
        except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout):
            pass
        if time.time() > deadline:
            return None, None, attempts
        time.sleep(0.05)


def main():
    subprocess.run(["psql", "-X", "-q", "-d", admin_url, "-c", f"CREATE DATABASE {name}"], check=True)
    run("init")
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    run("demo", "--appliances", "3000", "--at", (now - datetime.timedelta(days=7)).isoformat())
    token = json.loads(run("user", "add", "failover", "--role", "admin", "--format", "json"))["token"]
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    # Every notification target (a target without an endpoint keeps its notifications waiting): the imported designated
    # contacts' welcome letters go to `contacts`.
    for target in ("leadership", "tam", "account-manager", "logistics", "professional-services", "on-call", "contacts"):
        run("notify", "endpoint", "add", target, f"http://127.0.0.1:{receiver.server_port}/hook", "--secret", "-",
            stdin="whsec_failover_test_secret\n")
    # Units in service at customers with a contract, each with a contact: one case per unit.
    units = psql("""
        SELECT a.serial, c.key, (SELECT min(email) FROM contact WHERE customer_id = c.id)
        FROM appliance a JOIN customer c ON c.id = a.customer_id
        WHERE a.status = 'in-service' AND EXISTS (SELECT 1 FROM contact WHERE customer_id = c.id)
          AND NOT EXISTS (SELECT 1 FROM support_case s WHERE s.appliance_id = a.id)
        ORDER BY a.serial LIMIT 400""")
    # Cases opened three days ago with high impact: their escalations are due when the servers start, and both
    # servers' escalation services look for them.
    for serial, customer, contact in units[:6]:
        run("case", "open", "--customer", customer, "--contact", contact, "--type", "hardware-fault", "--serial", serial,
            "--impact", "high", "--urgency", "medium", "--title", f"overdue {serial}",
            "--at", (now - datetime.timedelta(days=3)).isoformat())
    units = units[6:]

    ports = [free_port(), free_port()]
    servers = [start([depot, "serve", "--database", url, "--key-file", key_file, "--port", str(p), "--timeout", "2",
                      "--log-level", "warning"], os.path.join(folder, f"server-{i}.log")) for i, p in enumerate(ports)]
    proxy_port = free_port()
    config = os.path.join(folder, "haproxy.cfg")
    with open(config, "w") as f:
        f.write(f"""
global
    maxconn 2000
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
frontend depot
    bind 127.0.0.1:{proxy_port}
    default_backend servers
backend servers
    balance roundrobin
    option httpchk GET /healthz
    server a 127.0.0.1:{ports[0]} check inter 200ms fall 2 rise 2
    server b 127.0.0.1:{ports[1]} check inter 200ms fall 2 rise 2
""")
    start(["haproxy", "-f", config, "-db"], os.path.join(folder, "haproxy.log"))
    base = f"http://127.0.0.1:{proxy_port}"
    for _ in range(200):
        try:
            if all(urllib.request.urlopen(f"http://127.0.0.1:{p}/healthz", timeout=1).status == 200 for p in ports + [proxy_port]):
                break
        except OSError:
            time.sleep(0.05)

    acknowledged = {}
    unanswered = []
    retried = [0]
    lock = threading.Lock()
    clients = 8
    per_client = len(units) // clients

    def client(index):
        for i in range(per_client):
            serial, customer, contact = units[index * per_client + i]
            title = f"failover {index}-{i}"
            status, body, attempts = request(base, "POST", "/api/v1/cases", token, f"open-{index}-{i}", {
                "customer": customer, "contact": contact, "type": "hardware-fault", "serial": serial,
                "impact": "medium", "urgency": "medium", "title": title})
            with lock:
                retried[0] += attempts - 1
            if status != 201:
                with lock:
                    unanswered.append((title, status, body))
                continue
            number = body["case"]
            with lock:
                acknowledged[title] = {"case": number}
            if i % 3 == 0:
                status, body, attempts = request(base, "POST", "/api/v1/diagnoses", token, f"diagnose-{index}-{i}", {
                    "serial": serial, "case": number, "verdict": "defective", "note": "failover test"})
                with lock:
                    retried[0] += attempts - 1
                    if status == 201:
                        acknowledged[title]["rma"] = body.get("rma")
                    else:
                        unanswered.append((f"diagnose {title}", status, body))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.time()
    for t in threads:
        t.start()
    planned = clients * per_client
    while len(acknowledged) < planned // 3 and any(t.is_alive() for t in threads):
        time.sleep(0.01)
    servers[0].send_signal(signal.SIGKILL)
    killed_at = len(acknowledged)
    for t in threads:
        t.join()
    elapsed = time.time() - started
    print(f"{planned} cases and {sum(1 for i in range(per_client) if i % 3 == 0) * clients} diagnoses in {elapsed:.1f} s "
          f"through haproxy; server a killed after {killed_at} acknowledged cases; {retried[0]} retries", flush=True)

    check(not unanswered, f"every request was answered by the surviving server ({len(unanswered)} not: {unanswered[:3]})")
    rows = psql("SELECT title, number FROM support_case WHERE title LIKE 'failover %'")
    by_title = {}
    for title, number in rows:
        by_title.setdefault(title, []).append(number)
    duplicates = {t: n for t, n in by_title.items() if len(n) > 1}
    check(not duplicates, f"no case was opened twice by a retry ({len(duplicates)} titles twice)")
    check(all(by_title.get(t) == [a["case"]] for t, a in acknowledged.items()),
          f"every acknowledged case exists, with the number its answer gave ({len(acknowledged)} cases)")
    check(len(rows) == len(acknowledged), f"no unacknowledged case was left behind ({len(rows)} in the database)")
    rmas = psql("""SELECT s.title, r.number FROM rma r JOIN support_case s ON s.id = r.case_id WHERE s.title LIKE 'failover %'""")
    rma_titles = [t for t, _ in rmas]
    check(len(rma_titles) == len(set(rma_titles)), "no unit was given two RMAs by a retried diagnosis")
    acked_rmas = {t: a["rma"] for t, a in acknowledged.items() if a.get("rma")}
    check(dict(rmas) == acked_rmas, f"every acknowledged RMA exists as answered ({len(acked_rmas)} RMAs)")
    violations = psql("""SELECT serial FROM appliance GROUP BY serial HAVING count(*) > 1
                         UNION ALL SELECT a.serial FROM appliance a JOIN rma r ON r.replacement_id = a.id
                         GROUP BY a.serial HAVING count(*) > 1""")
    check(not violations, "no spare was allocated to two RMAs")

    deadline = time.time() + 90
    while time.time() < deadline and int(psql("SELECT count(*) FROM notification WHERE state <> 'delivered'")[0][0]) > 0:
        time.sleep(0.5)
    pending = int(psql("SELECT count(*) FROM notification WHERE state <> 'delivered'")[0][0])
    delivered = {row[0] for row in psql("SELECT idempotency_key FROM notification WHERE state = 'delivered'")}
    with Receiver.lock:
        received = list(Receiver.received)
    check(pending == 0, f"the outbox delivered every notification ({len(delivered)}; {pending} left)")
    check(set(received) == delivered, "the receiver got every delivered notification, and nothing else")
    twice = len(received) - len(set(received))
    check(twice <= 8, f"sent twice only what the killed server had in flight ({twice}; acted on once by key)")
    fired = int(psql("SELECT count(*) FROM case_escalation WHERE fired_at IS NOT NULL")[0][0])
    audited = int(psql("SELECT count(*) FROM audit WHERE action = 'escalate'")[0][0])
    missed = int(psql(f"""SELECT count(*) FROM case_escalation e JOIN support_case s ON s.id = e.case_id
                          WHERE s.title LIKE 'overdue %' AND e.due_at <= '{now.strftime('%Y-%m-%dT%H:%M:%SZ')}'
                            AND e.fired_at IS NULL""")[0][0])
    check(fired > 0 and missed == 0 and fired == audited,
          f"each due escalation fired, once: {fired} fired, {audited} escalate entries in the audit log, {missed} missed")
    check(servers[1].poll() is None, "the other server kept running")


try:
    main()
finally:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    subprocess.run(["psql", "-X", "-q", "-d", admin_url, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)
    if failures:
        print(f"logs kept in {folder}", file=sys.stderr)
    else:
        shutil.rmtree(folder, ignore_errors=True)
sys.exit(1 if failures else 0)
