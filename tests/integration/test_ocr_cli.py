"""``minimarket ocr`` as a user runs it: a real process, real files, one JSON line each."""

import json
import shutil
import subprocess
import sys

import cv2
import pytest

from shared.ocr.synthetic import make_photo

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="Tesseract is not installed")

CONTRACT_KEYS = {"file", "ok", "error", "supplier", "invoice", "lines", "totals", "sources",
                 "confidence", "seconds"}


def minimarket(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minimarket", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_ocr_json_prints_one_contract_line_per_file_and_fails_on_a_bad_one(tmp_path):
    photo, truth = make_photo(11, 0, "clean")
    image = tmp_path / "factura.jpg"
    cv2.imwrite(str(image), photo)
    bad = tmp_path / "roto.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")

    done = minimarket("ocr", str(image), str(bad), "--json")

    lines = done.stdout.splitlines()
    assert len(lines) == 2, done.stderr
    good, broken = (json.loads(line) for line in lines)
    assert set(good) == CONTRACT_KEYS
    assert good["ok"] is True and good["error"] is None
    assert good["file"] == str(image)
    assert good["supplier"]["cuit"] == truth.supplier_cuit
    assert good["invoice"]["number"] == truth.number
    assert set(good["invoice"]) == {"type", "afip_code", "point_of_sale", "number", "date",
                                    "cae", "currency"}
    assert set(good["totals"]) == {"net", "vat", "total"}
    # Amounts are written exactly, with two decimals.
    assert f'"total": {truth.total:.2f}' in lines[0]
    assert broken["ok"] is False and broken["error"]
    assert done.returncode != 0
    assert "reading" in done.stderr  # progress goes to stderr, never stdout


def test_ocr_no_qr_and_a_missing_file(tmp_path):
    done = minimarket("ocr", str(tmp_path / "nope.png"), "--json", "--no-qr")
    result = json.loads(done.stdout)
    assert result["ok"] is False and "nope.png" in result["error"]
    assert done.returncode != 0
