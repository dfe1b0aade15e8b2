"""Servers in subprocesses, a scratch Redis database, and waiting for a quiet machine.

Every helper is a context manager (or bounded in time): a server is stopped, and the
Redis database emptied, on the way out, also after an error, Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _support import log

OWNER_KEY = "mm_bench:owner"

#: Runs argv[2:] and writes its wall time and rusage to argv[1]. On Linux a program's
#: ru_maxrss starts at the peak of the address space it was exec'd from, so a command
#: spawned straight from a large process would report that process's peak as its own.
#: ``started_at`` is the ``perf_counter`` reading just before the fork (CLOCK_MONOTONIC
#: on Linux), so the command's own readings can be compared with it.
LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"pid": pid, "started_at": start, "seconds": time.perf_counter() - start,
               "maxrss_kb": usage.ru_maxrss, "exit_code": os.waitstatus_to_exitcode(status)}, out)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http(method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 10) -> tuple[int, bytes]:
    """One request to a local server: (status, body); no exception for 4xx/5xx."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the benchmark only talks to 127.0.0.1, not {url}")
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def sign_in(base: str, username: str, password: str) -> str:
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    status, body = http("POST", f"{base}/api/auth/token", body=form,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    if status != 200:
        raise RuntimeError(f"sign-in of {username} answered {status}: {body[:200]!r}")
    return str(json.loads(body)["access_token"])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen[bytes], label: str) -> None:
    """SIGTERM to the server's own process group, SIGKILL after 15 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    log(f"stopped {label} (pid {process.pid}, exit {process.returncode})")


@contextmanager
def server(
    label: str, command: Sequence[str], ready_url: str, log_dir: Path,
    env: dict[str, str] | None = None, timeout: float = 60,
) -> Iterator[subprocess.Popen[bytes]]:
    """A server in its own session (process group), ready when ``ready_url`` answers 200."""
    log_path = log_dir / f"{label}.log"
    with log_path.open("wb") as output:
        process = subprocess.Popen(list(command), env=env, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{label} exited with {process.returncode}:\n{_tail(log_path)}")
            try:
                if http("GET", ready_url, timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{label} not ready after {timeout:.0f} s:\n{_tail(log_path)}")
            time.sleep(0.2)
        log(f"{label} ready (pid {process.pid}): {' '.join(command)}")
        yield process
    finally:
        _stop(process, label)


@contextmanager
def redis_database(base_url: str) -> Iterator[str]:
    """An empty numbered Redis database, claimed with a key; emptied on the way out."""
    import redis

    claimed: Any = None
    number = 0
    for number in range(15, 0, -1):
        client = redis.Redis.from_url(f"{base_url}/{number}", socket_timeout=5)
        if client.dbsize() == 0 and client.set(OWNER_KEY, str(os.getpid()), nx=True):
            claimed = client
            break
        client.close()
    if claimed is None:
        raise RuntimeError(f"no empty Redis database at {base_url} (1-15 all hold keys)")
    try:
        yield f"{base_url}/{number}"
    finally:
        if claimed.get(OWNER_KEY) == str(os.getpid()).encode():
            claimed.flushdb()
            log(f"emptied Redis database {number}")
        claimed.close()


def wait_until_quiet(threshold: float, max_wait: float, poll: float = 15) -> dict[str, Any]:
    """Poll the 1-minute load average until it is under ``threshold`` (bounded)."""
    started = time.monotonic()
    first = os.getloadavg()
    while True:
        load = os.getloadavg()
        waited = time.monotonic() - started
        if load[0] < threshold or waited >= max_wait:
            quiet = load[0] < threshold
            log(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} after {waited:.0f} s: "
                + ("quiet" if quiet else f"still over {threshold}, measuring anyway"))
            return {"loadavg_first": first, "loadavg": load, "waited_seconds": waited,
                    "quiet": quiet, "threshold": threshold}
        log(f"  waiting for a quiet machine: load average {load[0]:.2f}, want < {threshold}; "
            f"waited {waited:.0f} / {max_wait:.0f} s")
        time.sleep(min(poll, max(max_wait - waited, 1)))
