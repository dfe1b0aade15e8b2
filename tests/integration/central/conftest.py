"""Run the real ``minimarket`` command in a subprocess, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[3]
SHARED_DATA = PROJECT.parent / "shared" / "data"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def mm(tmp_path):
    """``mm(*args, env={...}, input=...)`` runs ``minimarket`` with its own data directory."""
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("MINIMARKET_", "DATABASE_", "JWT_", "DASHBOARD_"))}
    base_env["MINIMARKET_DATA_DIR"] = str(tmp_path / "data")
    base_env["MINIMARKET_PASSWORD"] = "contraseña-segura"

    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
        full_env = {**base_env, **(env or {})}
        full_env = {k: v for k, v in full_env.items() if v is not None}
        done = subprocess.run(
            [sys.executable, "-m", "minimarket", *args], capture_output=True, text=True,
            env=full_env, input=stdin, timeout=120, cwd=tmp_path,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture(params=["sqlite", "postgres"])
def db_args(request):
    """``--db`` for the embedded default (no option) and for PostgreSQL."""
    if request.param == "sqlite":
        return []
    return ["--db", request.getfixturevalue("pg_url")]
