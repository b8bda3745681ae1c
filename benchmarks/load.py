"""The pieces of a benchmark run that talk to processes: gunicorn, wrk, /proc."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")

# wrk reports latency in microseconds; this prints what the runner reads back.
SUMMARY_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"p50": %f, "p95": %f, "requests": %d, "seconds": %f, '
    .. '"bad_status": %d, "errors": %d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.requests,
    summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout))
end
"""

# Each wrk thread posts reports with titles of its own, so slugs never collide.
POST_LUA = """
local counter, thread_id = 0, 0
local threads = {}
setup = function(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
init = function(args)
  thread_id = tid
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-API-Key"] = os.getenv("BENCH_API_KEY")
end
request = function()
  counter = counter + 1
  local body = string.format(os.getenv("BENCH_POST_BODY"), thread_id, counter, os.time())
  return wrk.format(nil, nil, nil, body)
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return (
        f"{platform.node()}: {os.cpu_count()} × {cpu}, {memory / 2**20:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, timeout: int = 600):
    """The documented server command, on a free port; yields (base URL, master process)."""
    port = free_port()
    command = [
        str(GUNICORN),
        "heritage.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        str(timeout),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/", timeout=30).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def worker_rss_mib(master: subprocess.Popen) -> list[float]:
    """Resident memory of each worker of a gunicorn master."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        sizes.append(kib / 1024)
    return sizes


def _cpu_ticks(pid: str) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_idle(master: subprocess.Popen, *, quiet: float = 0.5, limit: float = 300) -> None:
    """Wait until no worker has used CPU for ``quiet`` seconds.

    wrk stops at the end of its run without waiting for the requests it has
    sent; a slow one still running would delay the next candidate's first.
    """
    deadline = time.monotonic() + limit
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    before = [_cpu_ticks(pid) for pid in children]
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = [_cpu_ticks(pid) for pid in children]
        if now == before:
            return
        before = now


def wrk(
    url: str,
    *,
    seconds: float,
    connections: int = 2,
    script: str = SUMMARY_LUA,
    env: dict[str, str] | None = None,
) -> dict:
    """Load ``url`` with wrk; p50/p95 in ms, requests per second, failures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script if script is SUMMARY_LUA else script + SUMMARY_LUA)
        lua.flush()
        output = subprocess.run(
            [
                "wrk",
                "-t",
                str(connections),
                "-c",
                str(connections),
                "-d",
                f"{max(1, round(seconds))}s",
                "--timeout",
                "300s",
                "-s",
                lua.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **(env or {})},
        ).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"] if result["seconds"] else 0.0
    return result
