"""One load step of ``bench_central_load.py``: locust users in a child process.

Run as ``python _load_users.py CONFIG.json``; prints one JSON object on stdout. It is
a separate process because locust monkey-patches the whole interpreter with gevent,
and so that its CPU use can be told apart from the servers'.

Each user is one store's till and back office: it waits 0.5-1.5 s between requests
and picks, with equal weights, ``GET /health``, its store's stock snapshot, a product
search, a sale of one unit (with its store's cashier token), or the baseline's
``GET /ping``. Latencies are recorded raw (ms, float) only inside the measured window,
after the users have spawned and warmed up.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

import gevent
import psutil
from locust import FastHttpUser, between, events, task
from locust.env import Environment

CONFIG: dict[str, Any] = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
NAMES = {
    "health": "GET /health",
    "stock": "GET /api/deposito/stock?store=S",
    "search": "GET /api/deposito/products?q=W",
    "sale": "POST /api/deposito/movements",
    "ping": "baseline GET /ping",
}
_numbers = itertools.count()
_samples: dict[str, list[float]] = defaultdict(list)
_failures: dict[str, int] = defaultdict(int)
_messages: dict[str, int] = defaultdict(int)
_recording = False


@events.request.add_listener
def _record(name: str, response_time: float, exception: BaseException | None, **_: Any) -> None:
    if not _recording:
        return
    _samples[name].append(response_time)
    if exception is not None:
        _failures[name] += 1
        reason = re.sub(r"URL \S+: ", "", str(exception))[:160]
        _messages[f"{name}: {reason}"] += 1


class TillUser(FastHttpUser):
    host = CONFIG["central"]
    wait_time = between(0.5, 1.5)
    network_timeout = CONFIG["request_timeout"]
    connection_timeout = CONFIG["request_timeout"]

    def on_start(self) -> None:
        number = next(_numbers)
        stores = CONFIG["stores"]
        self.store = stores[number % len(stores)]["code"]
        self.cashier = {"Authorization": f"Bearer {stores[number % len(stores)]['token']}"}
        self.reader = {"Authorization": f"Bearer {CONFIG['reader_token']}"}
        self.rng = random.Random(CONFIG["seed"] * 100_003 + number)

    @task
    def health(self) -> None:
        with self.client.get("/health", name=NAMES["health"], catch_response=True) as response:
            if response.status_code == 200 and b'"status":"ok"' not in response.content:
                response.failure("health is not ok: " + response.text[:120])

    @task
    def stock(self) -> None:
        with self.client.get(f"/api/deposito/stock?store={self.store}", headers=self.reader,
                             name=NAMES["stock"], catch_response=True) as response:
            items = response.content.count(b'"sku"') if response.status_code == 200 else None
            if items is not None and items != CONFIG["stock_items"]:
                response.failure(f"stock snapshot has {items} items, not {CONFIG['stock_items']}")

    @task
    def search(self) -> None:
        word = urllib.parse.quote(self.rng.choice(CONFIG["search_words"]))
        self.client.get(f"/api/deposito/products?q={word}", headers=self.reader,
                        name=NAMES["search"])

    @task
    def sale(self) -> None:
        body = {"store": self.store, "kind": "sale", "quantity": 1,
                "product": self.rng.choice(CONFIG["sale_barcodes"])}
        self.client.post("/api/deposito/movements", json=body, headers=self.cashier,
                         name=NAMES["sale"])

    @task
    def ping(self) -> None:
        self.client.get(CONFIG["baseline"] + "/ping", name=NAMES["ping"])


def cache_counts() -> dict[str, float]:
    """central's ``minimarket_cache_requests_total`` by result."""
    with urllib.request.urlopen(CONFIG["central"] + "/metrics", timeout=5) as response:
        text = response.read().decode()
    counts: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("minimarket_cache_requests_total{"):
            label, value = line.rsplit(" ", 1)
            counts[label.split('result="')[1].split('"')[0]] = float(value)
    return counts


def cpu_snapshot() -> dict[str, float]:
    """CPU seconds so far: each watched process, the PostgreSQL server (every backend,
    also other databases') and Redis, and the whole machine."""
    seconds: dict[str, float] = {}
    for label, pid in {**CONFIG["pids"], "locust": None}.items():
        times = psutil.Process(pid).cpu_times()  # None: this process, the load generator
        seconds[label] = times.user + times.system
    for label, name in (("postgres", "postgres"), ("redis", "redis-server")):
        total = 0.0
        for process in psutil.process_iter(["name", "cpu_times"]):
            times = process.info["cpu_times"]
            if process.info["name"] == name and times is not None:
                # children_*: backends that exited (the pool opens and closes some)
                total += times.user + times.system + times.children_user + times.children_system
        seconds[label] = total
    machine = psutil.cpu_times()
    seconds["machine_busy"] = sum(machine) - machine.idle - machine.iowait
    return seconds


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted samples."""
    rank = max(1, min(len(ordered), int(fraction * len(ordered) + 0.999999)))
    return ordered[rank - 1]


def summarize(seconds: float) -> dict[str, Any]:
    requests: dict[str, Any] = {}
    for key, name in NAMES.items():
        ordered = sorted(_samples.get(name, []))
        count = len(ordered)
        requests[key] = {
            "name": name, "count": count, "errors": _failures.get(name, 0),
            "rps": count / seconds,
            **({"p50": percentile(ordered, 0.50), "p95": percentile(ordered, 0.95),
                "p99": percentile(ordered, 0.99), "max": ordered[-1],
                "mean": statistics.fmean(ordered)} if ordered else {}),
        }
    return requests


def main() -> None:
    global _recording
    users, duration, warmup = CONFIG["users"], CONFIG["duration"], CONFIG["warmup"]
    environment = Environment(user_classes=[TillUser], events=events)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=CONFIG["spawn_rate"])
    gevent.sleep(warmup)
    cache_before, cpu_before = cache_counts(), cpu_snapshot()
    _recording, started = True, time.perf_counter()
    gevent.sleep(duration)
    _recording, seconds = False, time.perf_counter() - started
    cpu_after, cache_after = cpu_snapshot(), cache_counts()
    runner.quit()
    cpu = {label: cpu_after[label] - cpu_before[label] for label in cpu_after}
    hits = cache_after.get("hit", 0) - cache_before.get("hit", 0)
    misses = cache_after.get("miss", 0) - cache_before.get("miss", 0)
    print(json.dumps({
        "users": users, "seconds": seconds, "requests": summarize(seconds),
        "cpu_seconds": cpu, "cache": {"hits": hits, "misses": misses},
        "error_messages": [f"{count} x {message}" for message, count in
                           sorted(_messages.items(), key=lambda item: -item[1])[:8]],
    }))


if __name__ == "__main__":
    main()
