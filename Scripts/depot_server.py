"""Shared by the scripts that run `depot serve` (benchmarks, the API fuzzing): a server on a free port, waited for."""
import socket
import subprocess
import time
import urllib.request


def serve(depot, database, *extra, log_level="warning"):
    """`depot serve` on a free loopback port with `extra` options, once it answers /healthz: the process and base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([depot, "serve", "--port", str(port), "--db", database, "--log-level", log_level, *extra])
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return server, base
