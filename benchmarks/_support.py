"""Helpers shared by the benchmarks: scratch PostgreSQL databases, timing and tables.

Not a benchmark itself (``make bench`` runs ``bench_*.py`` only). The benchmarks run as
scripts, so the project root is put on ``sys.path`` by each of them before importing
the product packages.
"""

from __future__ import annotations

import os
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from sqlalchemy import make_url

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
_T = TypeVar("_T")


def log(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the figures."""
    print(message, file=sys.stderr, flush=True)


def stop_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so ``finally`` blocks drop the scratch databases."""

    def handler(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def run_benchmark(main: Callable[[], int]) -> None:
    """Run a benchmark's ``main``; Ctrl-C ends it with one line instead of a traceback."""
    try:
        code = main()
    except KeyboardInterrupt:
        log("interrupted")
        code = 130
    sys.exit(code)


def _libpq_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def scratch_name(label: str) -> str:
    return f"mm_bench_{os.getpid()}_{label}"


@contextmanager
def scratch_database(admin_url: str, label: str, template: str | None = None) -> Iterator[str]:
    """A new, empty PostgreSQL database ``mm_bench_<pid>_<label>``; dropped on the way out.

    With ``template`` (the label of another scratch database, nobody connected to it)
    the new database starts as a copy of that one instead of empty.
    The drop runs on success, on errors, on Ctrl-C and (with ``stop_cleanly_on_sigterm``)
    on SIGTERM; ``WITH (FORCE)`` ends connections a pool may still hold.
    """
    name = scratch_name(label)
    copy_of = f' TEMPLATE "{scratch_name(template)}"' if template else ""
    with psycopg.connect(_libpq_dsn(admin_url), autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"{copy_of}')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq_dsn(admin_url), autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")


def timed(function: Callable[[], _T]) -> tuple[float, _T]:
    """Seconds of wall time one call takes, and what it returned."""
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def summary(samples: Sequence[float]) -> dict[str, float]:
    return {"min": min(samples), "median": statistics.median(samples), "max": max(samples)}


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], float_format: str | None = None
) -> str:
    """A plain text table, numbers right-aligned; ``float_format`` (``"{:,.1f}"``) for floats."""
    cells = [[str(h) for h in headers],
             *[[_cell(v, float_format) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str], values: Sequence[Any] | None) -> str:
        parts = []
        for i, text in enumerate(row):
            numeric = values is not None and isinstance(values[i], int | float)
            parts.append(text.rjust(widths[i]) if numeric else text.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    out = [line(cells[0], None), "  ".join("-" * w for w in widths)]
    out += [line(cells[i + 1], row) for i, row in enumerate(rows)]
    return "\n".join(out)


def _cell(value: Any, float_format: str | None = None) -> str:
    if isinstance(value, bool) or value is None:
        return "-" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float) and float_format is not None:
        return float_format.format(value)
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    return str(value)
