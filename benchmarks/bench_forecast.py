"""Benchmark: demand forecast accuracy beside the weekly seasonal naive, and its costs.

Datasets (each a ``shared.forecast`` panel; a day without a row is a day without sales):

* ``m5`` — ``sales/m5_tiny/tiny_m5_CA_1_daily.csv`` beside the project: one Walmart
  store (CA_1), 28 items, 1,913 days; ``date,store_id,item_id,units,sell_price`` become
  ``date,store,sku,units,price`` (an empty weekly price: not yet on sale). US holidays.
* ``retail`` — ``sales/prophet/example_online_retail_multivariate.csv``: the 30
  best-selling products of the UCI Online Retail shop (``item,ds,y``; 2010-12-01 to
  2011-12-09), one store. UK holidays.
* ``generated`` — ``shared.forecast.synthetic.generate_sales``: ``--series`` (1,000)
  series × ``--days`` (730) with weekly seasonality, Argentine holidays and paydays,
  prices chasing 3 %/month inflation, intermittent sellers and stock-outs; its CPI is
  passed to the model.

For each: the rolling-origin backtest (``--origins`` 3 × ``--horizon`` 14 days at the
end of the data; the model trained before each origin) — model and seasonal-naive WAPE
and MASE and their ratio; then one training on all the data (wall and CPU seconds),
its ONNX export and check (every held-back row within 1e-4 + 1e-4·|model|).
Inference: the generated model run with ``OnnxForecaster`` (onnxruntime, one thread)
on ``--inference-series`` (10,000) generated series × 14 days, features included,
median of 3. Peak memory: the process's ``ru_maxrss``.

Targets: **WAPE ≤ 0.9 × seasonal naive on every dataset, training < 120 s, inference
< 2 s, memory < 2 GB** (PASS/FAIL; ``--strict`` exits 1 on a FAIL). The exit code is
otherwise 1 only when a result is wrong (the ONNX check failed).

    .venv/bin/python benchmarks/bench_forecast.py [--datasets m5,retail,generated]
        [--series 1000] [--days 730] [--horizon 14] [--origins 3] [--threads 1]
        [--inference-series 10000] [--loss poisson|squared_error] [--data DIR] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _support import log, render_table, run_benchmark, stop_cleanly_on_sigterm

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "sales"
DATASETS = ("m5", "retail", "generated")
M5 = Path("m5_tiny") / "tiny_m5_CA_1_daily.csv"
RETAIL = Path("prophet") / "example_online_retail_multivariate.csv"
WAPE_RATIO_TARGET = 0.9
TRAIN_SECONDS_TARGET = 120.0
INFERENCE_SECONDS_TARGET = 2.0
MEMORY_MB_TARGET = 2048.0


def load_m5(data: Path) -> tuple[Any, None, str]:
    from shared.forecast.series import panel_from_rows

    sales, prices = [], []
    with (data / M5).open(newline="") as handle:
        for row in csv.DictReader(handle):
            day = date.fromisoformat(row["date"])
            key = (day, row["store_id"], row["item_id"])
            sales.append((*key, float(row["units"])))
            if row["sell_price"]:
                prices.append((*key, float(row["sell_price"])))
    return panel_from_rows(sales, prices=prices), None, "US"


def load_retail(data: Path) -> tuple[Any, None, str]:
    from shared.forecast.series import panel_from_rows

    with (data / RETAIL).open(newline="") as handle:
        sales = [(date.fromisoformat(row["ds"]), "UK", row["item"], float(row["y"]))
                 for row in csv.DictReader(handle)]
    return panel_from_rows(sales), None, "GB"


def load_generated(series: int, days: int, seed: int) -> tuple[Any, dict[str, float], str]:
    from shared.forecast.synthetic import generate_sales

    generated = generate_sales(series, days, seed=seed)
    return generated.panel, generated.cpi, "AR"


def evaluate(name: str, panel: Any, cpi: Any, country: str,
             args: argparse.Namespace) -> tuple[dict[str, Any], Any]:
    from shared.forecast.backtest import backtest
    from shared.forecast.card import ForecastConfig
    from shared.forecast.model import check_onnx, export_onnx, train, with_backtest

    config = ForecastConfig(loss=args.loss, country=country)
    log(f"{name}: {panel.n_series} series × {panel.n_days} days, backtest "
        f"{args.origins} × {args.horizon} days")
    last_report = [0.0]

    def progress(what: str, done: float) -> None:
        if time.perf_counter() - last_report[0] > 15 or done >= 1.0:
            last_report[0] = time.perf_counter()
            log(f"  {name}: {what} ({100 * done:.0f} %)")

    result = backtest(panel, horizon=args.horizon, origins=args.origins, config=config,
                      cpi=cpi, progress=progress, threads=args.threads)
    log(f"{name}: final training on all {panel.n_days} days")
    wall, cpu = time.perf_counter(), time.process_time()
    trained = train(panel, horizon=args.horizon, config=config, cpi=cpi, threads=args.threads)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    trained = with_backtest(trained, result.card_metrics(), result.relative_error_std)
    onnx_bytes = export_onnx(trained)
    check_error: str | None = None
    try:
        max_diff = check_onnx(trained, onnx_bytes)
    except Exception as error:  # a wrong export is a result to report
        check_error, max_diff = str(error), None
    model, naive = result.model, result.seasonal_naive
    figures = {
        "series": panel.n_series, "days": panel.n_days, "origins": result.origins,
        "model": {"wape": model.wape, "mase": model.mase.value},
        "seasonal_naive": {"wape": naive.wape, "mase": naive.mase.value},
        "wape_ratio": model.wape / naive.wape if naive.wape else None,
        "mase_ratio": model.mase.value / naive.mase.value if naive.mase.value else None,
        "mase_series_skipped": model.mase.series_skipped,
        "backtest_seconds": result.seconds, "train_seconds": wall, "train_cpu_seconds": cpu,
        "training_rows": trained.card.training_rows, "onnx_kb": len(onnx_bytes) / 1024,
        "onnx_max_diff": max_diff, "onnx_error": check_error,
    }
    return figures, (trained, onnx_bytes)


def time_inference(onnx_bytes: bytes, args: argparse.Namespace) -> dict[str, Any]:
    from shared.forecast.features import LOOKBACK
    from shared.forecast.inference import OnnxForecaster
    from shared.forecast.synthetic import generate_sales

    log(f"inference: {args.inference_series:,} series × {args.horizon} days")
    generated = generate_sales(args.inference_series, LOOKBACK, seed=args.seed + 1)
    forecaster = OnnxForecaster(onnx_bytes)
    runs, cpu = [], []
    for _ in range(3):
        started, cpu_started = time.perf_counter(), time.process_time()
        out = forecaster.forecast(generated.panel, cpi=generated.cpi)
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return {"series": args.inference_series, "horizon": args.horizon, "shape": list(out.shape),
            "seconds": statistics.median(runs), "runs": runs,
            "cpu_seconds": statistics.median(cpu)}


def print_figures(everything: dict[str, Any], as_json: bool) -> None:
    out = sys.stderr if as_json else sys.stdout
    rows = []
    for name, entry in everything["datasets"].items():
        model, naive = entry["model"], entry["seasonal_naive"]
        ok = entry["wape_ratio"] is not None and entry["wape_ratio"] <= WAPE_RATIO_TARGET
        rows.append([name, entry["series"], entry["days"], model["wape"], naive["wape"],
                     f"{entry['wape_ratio']:.3f}x", model["mase"], naive["mase"],
                     f"{entry['mase_ratio']:.3f}x", "PASS" if ok else "FAIL"])
    print(render_table(["dataset", "series", "days", "model WAPE", "naive WAPE", "WAPE ratio",
                        "model MASE", "naive MASE", "MASE ratio", "<= 0.9x"], rows,
                       float_format="{:.3f}"), file=out)
    print(file=out)
    rows = []
    for name, entry in everything["datasets"].items():
        rows.append([name, entry["training_rows"], entry["backtest_seconds"],
                     entry["train_seconds"], entry["train_cpu_seconds"], entry["onnx_kb"],
                     "-" if entry["onnx_max_diff"] is None else f"{entry['onnx_max_diff']:.1e}",
                     "PASS" if entry["train_seconds"] < TRAIN_SECONDS_TARGET else "FAIL"])
    print(render_table(["dataset", "training rows", "backtest s", "train s", "train CPU s",
                        "ONNX kB", "ONNX max |diff|", "train < 120 s"], rows,
                       float_format="{:.1f}"), file=out)
    print(file=out)
    rows = []
    if "inference" in everything:
        inference = everything["inference"]
        rows.append([f"ONNX forecast {inference['series']:,} series × {inference['horizon']} days",
                     f"{inference['seconds']:.2f} s (CPU {inference['cpu_seconds']:.2f} s)",
                     "< 2 s",
                     "PASS" if inference["seconds"] < INFERENCE_SECONDS_TARGET else "FAIL"])
    memory = everything["peak_rss_mb"]
    rows.append(["peak memory (RSS)", f"{memory:,.0f} MB", "< 2,048 MB",
                 "PASS" if memory < MEMORY_MB_TARGET else "FAIL"])
    print(render_table(["figure", "value", "target", "result"], rows), file=out)
    if as_json:
        print(json.dumps(everything, default=str))


def failed_targets(everything: dict[str, Any]) -> list[str]:
    failed = [f"{name} WAPE ratio" for name, entry in everything["datasets"].items()
              if entry["wape_ratio"] is None or entry["wape_ratio"] > WAPE_RATIO_TARGET]
    failed += [f"{name} training time" for name, entry in everything["datasets"].items()
               if entry["train_seconds"] >= TRAIN_SECONDS_TARGET]
    if everything.get("inference", {}).get("seconds", 0) >= INFERENCE_SECONDS_TARGET:
        failed.append("inference time")
    if everything["peak_rss_mb"] >= MEMORY_MB_TARGET:
        failed.append("memory")
    return failed


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        help="comma-separated: m5, retail, generated (default all)")
    parser.add_argument("--series", type=int, default=1000, help="generated series (1000)")
    parser.add_argument("--days", type=int, default=730, help="generated days (730)")
    parser.add_argument("--horizon", type=int, default=14)
    parser.add_argument("--origins", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1,
                        help="OpenMP threads for training (default 1)")
    parser.add_argument("--loss", default="poisson", choices=("poisson", "squared_error"))
    parser.add_argument("--inference-series", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder of the real sales (default shared/data/sales beside "
                             "the project)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--json", action="store_true",
                        help="print the figures as one JSON object on stdout")
    args = parser.parse_args(argv)
    args.datasets = [name for name in args.datasets.split(",") if name]
    unknown = sorted(set(args.datasets) - set(DATASETS))
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; use {', '.join(DATASETS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_sigterm()
    started = time.perf_counter()
    everything: dict[str, Any] = {"datasets": {}}
    generated_model = None
    for name in args.datasets:
        real_file = {"m5": M5, "retail": RETAIL}.get(name)
        if real_file is not None and not (args.data / real_file).is_file():
            log(f"{name}: {args.data} has no such file, skipped")
            continue
        panel, cpi, country = (load_m5(args.data) if name == "m5" else
                               load_retail(args.data) if name == "retail" else
                               load_generated(args.series, args.days, args.seed))
        figures, (_trained, onnx_bytes) = evaluate(name, panel, cpi, country, args)
        everything["datasets"][name] = figures
        if name == "generated":
            generated_model = onnx_bytes
    if generated_model is not None and args.inference_series:
        everything["inference"] = time_inference(generated_model, args)
    everything["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    everything["_run"] = {"seconds": time.perf_counter() - started, "loss": args.loss,
                          "threads": args.threads, "seed": args.seed,
                          "date": date.today().isoformat()}
    print_figures(everything, args.json)
    wrong = [name for name, entry in everything["datasets"].items() if entry["onnx_error"]]
    for name in wrong:
        log(f"WRONG {name}: {everything['datasets'][name]['onnx_error']}")
    failed = failed_targets(everything)
    if failed:
        log(f"missed targets: {', '.join(failed)}")
    return 1 if wrong or (args.strict and failed) else 0


if __name__ == "__main__":
    run_benchmark(main)
