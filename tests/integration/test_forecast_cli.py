"""``minimarket forecast backtest`` as a user runs it: a real process on a real CSV."""

import json
import subprocess
import sys

from shared.forecast.series import write_sales_csv
from shared.forecast.synthetic import generate_sales

CONTRACT_KEYS = {"series", "horizon", "model", "seasonal_naive", "seconds"}


def minimarket(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minimarket", *args], capture_output=True,
                          text=True, timeout=240, check=False,
                          env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})


def test_backtest_json_on_a_csv_with_broken_rows(tmp_path):
    sales = tmp_path / "ventas.csv"
    write_sales_csv(generate_sales(16, 140, seed=21).panel, sales)
    with sales.open("a", encoding="utf-8") as handle:
        handle.write("2023-02-30,S01,SKU00001,3,,\n"
                     "2023-03-01,S01,SKU00001,tres,,\n"
                     "2023-03-01,S01,SKU00002,-4,,\n")
    lines = sales.read_text().count("\n")

    done = minimarket("forecast", "backtest", "--sales", str(sales), "--horizon", "7",
                      "--origins", "2", "--json")

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # stdout holds only the JSON
    assert set(result) >= CONTRACT_KEYS
    assert result["series"] == 16 and result["horizon"] == 7
    for side in ("model", "seasonal_naive"):
        assert set(result[side]) == {"wape", "mase"}
        assert 0 < result[side]["wape"] < 2 and 0 < result[side]["mase"] < 5
    assert result["bad_rows"] == 3 and len(result["origins"]) == 2
    assert result["seconds"] > 0
    assert f"line {lines - 2}: bad date" in done.stderr
    assert f"line {lines - 1}: units is not a number" in done.stderr
    assert f"line {lines}: negative units" in done.stderr


def test_a_missing_file_fails_with_one_line(tmp_path):
    done = minimarket("forecast", "backtest", "--sales", str(tmp_path / "nope.csv"), "--json")
    assert done.returncode != 0 and done.stdout == ""
    assert "cannot read" in done.stderr and "Traceback" not in done.stderr


def test_no_usable_series_fails_with_one_line(tmp_path):
    # in-process (the same Typer app the console script mounts): no interpreter start-up
    from typer.testing import CliRunner

    from minimarket.forecast_command import app

    zeros = tmp_path / "ceros.csv"
    zeros.write_text("date,store,sku,units\n2026-01-01,S1,A,0\n2026-06-01,S1,A,0\n")
    done = CliRunner().invoke(app, ["backtest", "--sales", str(zeros), "--json"])
    assert done.exit_code != 0 and "no series has any sale" in done.output

    short = tmp_path / "corto.csv"
    short.write_text("date,store,sku,units\n2026-01-01,S1,A,2\n2026-01-20,S1,A,1\n")
    done = CliRunner().invoke(app, ["backtest", "--sales", str(short), "--horizon", "14"])
    assert done.exit_code != 0 and "needs at least" in done.output
