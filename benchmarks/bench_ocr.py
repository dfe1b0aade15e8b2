"""Benchmark: how well and how fast the invoice pipeline reads photos, beside plain Tesseract.

Reads with ``shared.ocr.pipeline.read_pages`` (once with the QR path, once with
``use_qr=False``):

* generated photos (``shared.ocr.synthetic``): ``--count`` per level (default 50 each of
  clean, moderate, heavy), deterministic for ``--seed``, with their ground truth;
* the real Argentine invoices of ``shared/data/invoices`` beside the project (skipped when
  absent): every page of each PDF rendered with pypdfium2 at 180 dpi (the pipeline reads
  them all with ``read_pages``, the baseline page 1), read flat and after
  ``degrade(page, "moderate")``; their header truth comes from
  ``afipcaeqrdecode/expected_qr_payloads.json`` (the QR payloads; a field missing from a
  truncated payload is not scored) and ``ar_facturas_genuinefafa/annotations.json``.

Figures: the QR read rate per group; per header field (cuit, type, point_of_sale, number,
date, total, cae) the share read right and the share read *wrong* (a value that is not
the truth: worse than None) with and without the QR; line-item precision, recall and F1
(a read line matches a true one when its description is at least 0.8 similar, rapidfuzz
``ratio``, and its quantity and amount are equal); seconds per photo p50/p95, the p95
per page (a real PDF's pages are read in turn) and the same over all generated photos
together. The
**baseline** is plain Tesseract on the raw photo — ``pytesseract.image_to_data(photo,
lang="spa")``, which is ``image_to_string`` with word boxes: no page finding, no
clean-up, no QR — fed to the pipeline's own text parser (``group_rows``, ``read_lines``,
``read_header``), or to a few regular expressions when that parser is not importable.

Photos are read in a process pool (``--jobs``, default 2) with ``OMP_THREAD_LIMIT=1``.
The exit code is 1 only when a reading crashed (an exception, which the pipeline
promises never to raise), not for low accuracy.

    .venv/bin/python benchmarks/bench_ocr.py [--count N] [--levels clean,moderate,heavy]
        [--jobs 2] [--seed 2026] [--no-real | --real N] [--data DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
import zlib
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _support import log, render_table, run_benchmark, stop_cleanly_on_sigterm

ROOT = Path(__file__).resolve().parents[1]

FIELDS = ("cuit", "type", "point_of_sale", "number", "date", "total", "cae")
MODES = ("qr", "text", "baseline")  # pipeline with QR, pipeline without, plain Tesseract
LEVELS = ("clean", "moderate", "heavy")
REAL_GROUPS = ("real pdf", "real moderate")
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "invoices"
RENDER_DPI = 180
SIMILAR = 0.8
CENT = Decimal("0.01")


# --- truth -------------------------------------------------------------------------------


def _truth_of_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Header truth from an AFIP QR payload (values may be strings; keys may be missing)."""
    truth: dict[str, Any] = dict.fromkeys(FIELDS)
    if "cuit" in payload:
        truth["cuit"] = str(payload["cuit"]).strip()
    for name, key in (("type", "tipoCmp"), ("point_of_sale", "ptoVta"), ("number", "nroCmp")):
        if key in payload:
            truth[name] = int(str(payload[key]))
    if "fecha" in payload:
        truth["date"] = _iso_date(str(payload["fecha"]))
    if "importe" in payload:
        truth["total"] = str(Decimal(str(payload["importe"])).quantize(CENT))
    if "codAut" in payload:
        truth["cae"] = str(payload["codAut"])
    return truth


def _iso_date(text: str) -> str | None:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    if match := re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text):
        return f"{match[3]}-{match[2]}-{match[1]}"
    return None


def real_documents(data: Path) -> list[tuple[Path, dict[str, Any]]]:
    """(PDF, header truth) of every real invoice with a known truth."""
    documents = []
    expected = data / "afipcaeqrdecode" / "expected_qr_payloads.json"
    if expected.is_file():
        for name, entry in json.loads(expected.read_text())["expected"].items():
            pdf = expected.parent / name
            if pdf.is_file() and entry and entry.get("parsed"):
                documents.append((pdf, _truth_of_payload(entry["parsed"])))
    annotations = data / "ar_facturas_genuinefafa" / "annotations.json"
    if annotations.is_file():
        for name, entry in json.loads(annotations.read_text())["annotations"].items():
            pdf = annotations.parent / name
            invoice = entry["factura"]
            if not pdf.is_file():
                continue
            documents.append((pdf, {
                "cuit": re.sub(r"\D", "", entry["emisor"]["cuit"]), "type": invoice["tipo"],
                "point_of_sale": invoice["punto_venta"], "number": invoice["numero"],
                "date": invoice["fecha"],
                "total": str(Decimal(str(invoice["total"])).quantize(CENT)), "cae": None}))
    return documents


# --- one photo, in a worker process ------------------------------------------------------


def _synthetic(seed: int, index: int, level: str) -> tuple[Any, dict[str, Any], list, bool]:
    from shared.ocr.synthetic import make_photo

    image, truth = make_photo(seed, index, level)
    header = {"cuit": truth.supplier_cuit, "type": truth.afip_code,
              "point_of_sale": truth.point_of_sale, "number": truth.number,
              "date": truth.date.isoformat(), "total": str(truth.total), "cae": truth.cae}
    lines = [(line.description, str(line.quantity.normalize()), str(line.amount))
             for line in truth.lines]
    return image, header, lines, truth.qr_readable


def _real(path: str, degraded: bool, seed: int) -> list[Any]:
    """Every page of the PDF at RENDER_DPI (the totals of a long invoice sit on its last
    page), each degraded to a moderate photo when asked."""
    import cv2
    import numpy as np
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        pages = []
        for page in document:
            bitmap = page.render(scale=RENDER_DPI / 72)
            pages.append(cv2.cvtColor(np.asarray(bitmap.to_pil().convert("RGB")),
                                      cv2.COLOR_RGB2BGR))
    finally:
        document.close()
    if not degraded:
        return pages
    from shared.ocr.synthetic import degrade

    rng = np.random.default_rng([seed, zlib.crc32(Path(path).name.encode())])
    return [degrade(page, "moderate", rng) for page in pages]


def _header_of(reading: Any) -> dict[str, Any]:
    return {"cuit": reading.supplier_cuit, "type": reading.afip_code,
            "point_of_sale": reading.point_of_sale, "number": reading.number,
            "date": reading.date.isoformat() if reading.date else None,
            "total": str(reading.total.quantize(CENT)) if reading.total is not None else None,
            "cae": reading.cae}


def _lines_of(lines: Iterable[Any]) -> list[tuple[str | None, str | None, str | None]]:
    return [(line.description,
             str(line.quantity.normalize()) if line.quantity is not None else None,
             str(line.amount.quantize(CENT)) if line.amount is not None else None)
            for line in lines]


def _baseline(image: Any) -> tuple[dict[str, Any], list]:
    """Plain Tesseract on the raw photo, then the pipeline's text parser (or regexes)."""
    import cv2
    import pytesseract

    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    try:
        from shared.ocr.fields import read_header
        from shared.ocr.lines import group_rows, read_lines
        from shared.ocr.tesseract import parse_tsv
    except ImportError:
        return _regex_header(pytesseract.image_to_string(rgb, lang="spa")), []
    rows = group_rows(parse_tsv(pytesseract.image_to_data(rgb, lang="spa")))
    lines, table = read_lines(rows)
    height, width = image.shape[:2]
    header = read_header([row.words for row in rows], page_width=width, page_height=height,
                         table_top=table.header.box.top if table is not None else None,
                         table_bottom=table.bottom if table is not None else None)
    found = _header_of(header)
    return found, _lines_of(lines)


def _regex_header(text: str) -> dict[str, Any]:
    folded = text.upper()
    found: dict[str, Any] = dict.fromkeys(FIELDS)
    if cuit := re.search(r"(?<!\d)(\d{2})-?(\d{8})-?(\d)(?!\d)", folded):
        found["cuit"] = "".join(cuit.groups())
    if number := re.search(r"(?<!\d)(\d{4,5})\s?-\s?(\d{8})(?!\d)", folded):
        found["point_of_sale"], found["number"] = int(number[1]), int(number[2])
    if day := re.search(r"(\d{2})/(\d{2})/(\d{4})", folded):
        found["date"] = f"{day[3]}-{day[2]}-{day[1]}"
    if cae := re.search(r"CAE[^0-9]{0,12}(\d{14})", folded):
        found["cae"] = cae[1]
    if total := re.search(r"TOTAL[^0-9]{0,12}([\d.]+,\d{2})", folded):
        found["total"] = str(Decimal(total[1].replace(".", "").replace(",", ".")))
    return found


def evaluate(task: dict[str, Any]) -> dict[str, Any]:
    """Read one photo three ways and score each against the truth."""
    from shared.ocr.pipeline import read_pages

    if task["group"] in LEVELS:
        image, header, lines, qr_expected = _synthetic(task["seed"], task["index"], task["group"])
        pages = [image]
    else:
        pages = _real(task["path"], task["group"] == "real moderate", task["seed"])
        image = pages[0]
        header, lines, qr_expected = task["truth"], None, True
    result: dict[str, Any] = {"group": task["group"], "name": task["name"],
                              "qr_expected": qr_expected, "modes": {}}
    for mode in MODES:
        started = time.perf_counter()
        qr_read = None
        try:
            if mode == "baseline":
                found, read_lines = _baseline(image)
            else:
                reading = read_pages(pages, use_qr=mode == "qr", file=None)
                found, read_lines = _header_of(reading), _lines_of(reading.lines)
                qr_read = reading.qr is not None and reading.qr.cuit == header["cuit"]
        except Exception as error:  # a crash is a result to report, not a reason to stop
            result["modes"][mode] = {"crash": f"{type(error).__name__}: {error}"}
            continue
        result["modes"][mode] = {
            "seconds": time.perf_counter() - started, "qr_read": qr_read,
            "pages": 1 if mode == "baseline" else len(pages),
            "fields": {name: _score(found[name], header[name]) for name in FIELDS},
            "lines": _match_lines(read_lines, lines) if lines is not None else None}
    return result


def _score(found: Any, truth: Any) -> str | None:
    if truth is None:
        return None  # not scored
    if found is None:
        return "missing"
    return "ok" if found == truth else "wrong"


def _match_lines(read: list, truth: list) -> tuple[int, int, int]:
    """(matched, read, true) lines; each true line matches at most one read line."""
    from rapidfuzz import fuzz

    unmatched = list(truth)
    hits = 0
    for description, quantity, amount in read:
        for candidate in unmatched:
            if (description and quantity == candidate[1] and amount == candidate[2]
                    and fuzz.ratio(description.lower(), candidate[0].lower()) >= SIMILAR * 100):
                unmatched.remove(candidate)
                hits += 1
                break
    return hits, len(read), len(truth)


# --- figures -----------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)  # nearest rank
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarize(results: list[dict[str, Any]], groups: list[str]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for group in groups:
        mine = [r for r in results if r["group"] == group]
        if not mine:
            continue
        entry: dict[str, Any] = {"photos": len(mine), "modes": {}}
        with_qr = [r for r in mine if r["qr_expected"]]
        decoded = sum(1 for r in with_qr if r["modes"].get("qr", {}).get("qr_read"))
        entry["qr"] = {"expected": len(with_qr), "decoded": decoded,
                       "rate": decoded / len(with_qr) if with_qr else None}
        # The header where the QR was decoded: what the ">= 99 % where a QR is readable"
        # target is about.
        read_qr = [r["modes"]["qr"] for r in mine
                   if r["modes"].get("qr", {}).get("qr_read") and "fields" in r["modes"]["qr"]]
        entry["qr_decoded_fields"] = {}
        for name in FIELDS:
            scores = [run["fields"][name] for run in read_qr if run["fields"][name] is not None]
            entry["qr_decoded_fields"][name] = _share(scores.count("ok"), len(scores))
        for mode in MODES:
            runs = [r["modes"][mode] for r in mine if "fields" in r["modes"].get(mode, {})]
            crashes = sum(1 for r in mine if "crash" in r["modes"].get(mode, {}))
            fields = {}
            for name in FIELDS:
                scores = [run["fields"][name] for run in runs if run["fields"][name] is not None]
                fields[name] = {"scored": len(scores),
                                "right": _share(scores.count("ok"), len(scores)),
                                "wrong": _share(scores.count("wrong"), len(scores))}
            counted = [run["lines"] for run in runs if run["lines"] is not None]
            hits, read, true = (sum(c[i] for c in counted) for i in range(3))
            precision, recall = _share(hits, read), _share(hits, true)
            f1 = (2 * precision * recall / (precision + recall)
                  if precision and recall else (0.0 if counted else None))
            entry["modes"][mode] = {
                "crashes": crashes, "fields": fields,
                "lines": {"precision": precision, "recall": recall, "f1": f1,
                          "read": read, "true": true} if counted else None,
                **_speed(runs)}
        figures[group] = entry
    return figures


def _speed(runs: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """p50 and p95 of the seconds per document and per page (a real PDF has several
    pages; the baseline reads only its first)."""
    seconds = [run["seconds"] for run in runs]
    per_page = [run["seconds"] / run.get("pages", 1) for run in runs]
    return {"seconds": {"p50": _percentile(seconds, 0.5), "p95": _percentile(seconds, 0.95)},
            "per_page": {"p50": _percentile(per_page, 0.5), "p95": _percentile(per_page, 0.95)}}


def speed_of_generated(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The speed figures over every generated photo read, all levels together."""
    mine = [r for r in results if r["group"] in LEVELS]
    if not mine:
        return None
    return {mode: _speed([r["modes"][mode] for r in mine if "fields" in r["modes"].get(mode, {})])
            for mode in MODES}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}x" if value is not None and base else "-"


def print_figures(everything: dict[str, Any], as_json: bool) -> None:
    out = sys.stderr if as_json else sys.stdout
    figures = {k: v for k, v in everything.items() if not k.startswith("_")}
    rows = [[group, entry["photos"], entry["qr"]["expected"], entry["qr"]["decoded"],
             _pct(entry["qr"]["rate"])] for group, entry in figures.items()]
    print(render_table(["group", "photos", "with a readable QR", "QR decoded", "rate"], rows),
          file=out)
    print(file=out)
    rows = []
    for group, entry in figures.items():
        modes = entry["modes"]
        for name in FIELDS:
            cells = [modes[mode]["fields"][name] for mode in MODES]
            if not cells[0]["scored"]:
                continue
            gain = (None if cells[1]["right"] is None or cells[2]["right"] is None
                    else cells[1]["right"] - cells[2]["right"])
            rows.append([group, name, cells[0]["scored"],
                         _pct(entry["qr_decoded_fields"][name]),
                         *(_pct(c["right"]) for c in cells),
                         "-" if gain is None else f"{100 * gain:+.1f}",
                         *(_pct(c["wrong"]) for c in cells)])
    print(render_table(["group", "field", "n", "right qr, QR decoded", "right qr",
                        "right no-qr", "right baseline",
                        "no-qr - baseline (pts)", "wrong qr", "wrong no-qr", "wrong baseline"],
                       rows), file=out)
    print(file=out)
    rows = []
    for group, entry in figures.items():
        for mode in MODES:
            lines = entry["modes"][mode]["lines"]
            if lines:
                rows.append([group, mode, lines["true"], lines["read"], _pct(lines["precision"]),
                             _pct(lines["recall"]), _pct(lines["f1"])])
    if rows:
        print(render_table(["group", "reader", "true lines", "read lines", "precision",
                            "recall", "F1"], rows), file=out)
        print(file=out)
    rows = []
    speeds = [(group, entry["modes"], True) for group, entry in figures.items()]
    if everything.get("_all_generated"):
        speeds.append(("all generated", everything["_all_generated"], False))
    for group, modes, with_crashes in speeds:
        base = modes["baseline"]["seconds"]
        for mode in MODES:
            seconds, per_page = modes[mode]["seconds"], modes[mode]["per_page"]
            rows.append([group, mode, seconds["p50"], seconds["p95"], per_page["p95"],
                         _ratio(seconds["p50"], base["p50"]),
                         modes[mode]["crashes"] if with_crashes else "-"])
    print(render_table(["group", "reader", "p50 s", "p95 s", "p95 s / page", "p50 / baseline",
                        "crashes"], rows, float_format="{:.2f}"), file=out)
    if as_json:
        print(json.dumps(everything, default=str))


# --- running -----------------------------------------------------------------------------


def _worker_setup() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"  # one thread per Tesseract process


def tasks(args: argparse.Namespace) -> list[dict[str, Any]]:
    work = [{"group": level, "seed": args.seed, "index": index, "name": f"{level}-{index}"}
            for level in args.levels for index in range(args.count)]
    if args.no_real:
        return work
    if not args.data.is_dir():
        log(f"{args.data} not found: the real invoices are skipped")
        return work
    for pdf, truth in real_documents(args.data)[: args.real]:
        for group in REAL_GROUPS:
            work.append({"group": group, "seed": args.seed, "path": str(pdf),
                         "truth": truth, "name": pdf.name})
    return work


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50, help="photos per level (default 50)")
    parser.add_argument("--levels", default=",".join(LEVELS),
                        help="comma-separated degradation levels (default clean,moderate,heavy)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder of the real invoices (default shared/data/invoices "
                             "beside the project)")
    parser.add_argument("--no-real", action="store_true", help="generated photos only")
    parser.add_argument("--real", type=int, default=None,
                        help="read only the first N real invoices (default all)")
    parser.add_argument("--json", action="store_true",
                        help="print the figures as one JSON object on stdout")
    args = parser.parse_args(argv)
    args.levels = [level for level in args.levels.split(",") if level]
    unknown = sorted(set(args.levels) - set(LEVELS))
    if unknown:
        parser.error(f"unknown level(s) {', '.join(unknown)}; use {', '.join(LEVELS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_sigterm()
    _worker_setup()
    work = tasks(args)
    log(f"{len(work)} photos to read three ways with {args.jobs} worker(s)")
    results: list[dict[str, Any]] = []
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs, initializer=_worker_setup) as pool:
        futures = [pool.submit(evaluate, task) for task in work]
        for done, future in enumerate(as_completed(futures), start=1):
            results.append(future.result())
            if done % 10 == 0 or done == len(work):
                log(f"  {done} / {len(work)} photos ({time.perf_counter() - started:.0f} s)")
    groups = [*args.levels, *REAL_GROUPS]
    figures = summarize(results, groups)
    figures["_all_generated"] = speed_of_generated(results)
    figures["_run"] = {"seed": args.seed, "count": args.count, "jobs": args.jobs,
                       "seconds": time.perf_counter() - started, "date": date.today().isoformat()}
    crashes = [(r["name"], mode, r["modes"][mode]["crash"]) for r in results
               for mode in MODES if "crash" in r["modes"].get(mode, {})]
    for name, mode, reason in crashes[:10]:
        log(f"CRASH {name} ({mode}): {reason}")
    print_figures(figures, args.json)
    return 1 if crashes else 0


if __name__ == "__main__":
    run_benchmark(main)
