"""The Prometheus alert rules load, and their promtool unit tests pass."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

OBSERVABILITY = Path(__file__).resolve().parents[2] / "observability" / "prometheus"
RULES = sorted((OBSERVABILITY / "rules").glob("*.yml"))
RULE_TESTS = sorted((OBSERVABILITY / "tests").glob("*_test.yml"))


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    assert binary, "promtool is missing: scripts/setup.sh installs the prometheus package"
    return subprocess.run([binary, *map(str, args)], capture_output=True, text=True,
                          timeout=120, check=False)


def test_every_rule_file_is_valid() -> None:
    assert RULES, "no alert rules found"
    result = promtool("check", "rules", *RULES)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("test_file", RULE_TESTS, ids=lambda path: path.name)
def test_rule_unit_tests_pass(test_file: Path) -> None:
    result = promtool("test", "rules", test_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_a_broken_threshold_is_caught(tmp_path: Path) -> None:
    """The unit tests can fail: the InflacionAnomaly threshold moved from 5 to 50 points."""
    rules = tmp_path / "rules"
    tests = tmp_path / "tests"
    rules.mkdir()
    tests.mkdir()
    for rule in RULES:
        (rules / rule.name).write_text(rule.read_text().replace("> 5", "> 50"))
    for test_file in RULE_TESTS:
        (tests / test_file.name).write_text(test_file.read_text())
    results = [promtool("test", "rules", tests / test_file.name) for test_file in RULE_TESTS]
    assert any(result.returncode != 0 for result in results)
