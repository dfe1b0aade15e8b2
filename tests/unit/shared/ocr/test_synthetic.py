import base64
import dataclasses
import json
import os
import re
from decimal import ROUND_HALF_UP, Decimal

import cv2
import numpy as np
import pytest
import zxingcpp

from shared.domain.barcodes import normalize_barcode
from shared.domain.cuit import normalize_cuit
from shared.ocr.model import InvoiceReading
from shared.ocr.outline import find_document
from shared.ocr.synthetic import (
    LEVELS,
    degrade,
    photo_set,
    random_truth,
    render_invoice,
    write_capture_video,
)
from shared.ocr.synthetic_layout import LAYOUTS, TABLE_STYLES, money, random_style

CENT = Decimal("0.01")


def _truths(count=60, seed=1):
    rng = np.random.default_rng(seed)
    return [random_truth(rng) for _ in range(count)]


def test_the_same_seed_gives_the_same_photos_and_truths():
    first = list(photo_set(1, "moderate", seed=42))
    second = list(photo_set(1, "moderate", seed=42))
    for (image_a, truth_a), (image_b, truth_b) in zip(first, second, strict=True):
        assert truth_a == truth_b
        assert np.array_equal(image_a, image_b)
    other = next(photo_set(1, "moderate", seed=43))
    assert other[1] != first[0][1]


def test_every_line_amount_is_quantity_times_price_rounded_half_up():
    for truth in _truths():
        assert 3 <= len(truth.lines) <= 14
        for line in truth.lines:
            expected = (line.quantity * line.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
            assert line.amount == expected
            if line.ean is not None:
                assert normalize_barcode(line.ean) == line.ean and len(line.ean) == 13


def test_totals_add_up_as_each_letter_prints_them():
    truths = _truths()
    assert {truth.letter for truth in truths} == {"A", "B", "C"}
    for truth in truths:
        assert truth.net + truth.vat == truth.total
        amounts = sum(line.amount for line in truth.lines)
        if truth.letter == "A":  # net prices, VAT added per rate below
            assert truth.net == amounts
            by_rate = dict(truth.vat_by_rate)
            for rate, vat in by_rate.items():
                base = sum(line.amount for line in truth.lines if line.vat_rate == rate)
                assert vat == (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            assert sum(by_rate.values()) == truth.vat
        else:  # prices include VAT; a C (monotributo) charges none
            assert truth.total == amounts
        if truth.letter == "C":
            assert truth.vat == 0


def test_the_header_fields_are_valid_argentine_values():
    truths = _truths()
    for truth in truths:
        assert normalize_cuit(truth.supplier_cuit) == truth.supplier_cuit
        assert normalize_cuit(truth.receiver.cuit) == truth.receiver.cuit
        assert truth.afip_code in {1, 3, 6, 8, 11, 13}
        assert re.fullmatch(r"[0-9]{14}", truth.cae)
        assert truth.currency == "PES"
    prices = [line.unit_price for truth in truths for line in truth.lines]
    assert min(prices) < 1000 and max(prices) > 10_000
    assert any(line.weighed and line.quantity != line.quantity.to_integral_value()
               for truth in truths for line in truth.lines)
    assert any(not truth.qr_readable for truth in truths)


def test_to_contract_has_the_shape_of_a_reading():
    truth = _truths(1)[0]
    contract = truth.to_contract()
    assert contract.keys() == InvoiceReading().to_contract().keys()
    assert contract["supplier"]["cuit"] == truth.supplier_cuit
    assert contract["invoice"]["afip_code"] == truth.afip_code
    assert contract["totals"]["total"] == truth.total
    assert len(contract["lines"]) == len(truth.lines)


def _readable_truth(seed):
    rng = np.random.default_rng(seed)
    while True:
        truth = random_truth(rng)
        if truth.qr_readable:
            return truth, rng


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_qr_of_a_clean_render_decodes_to_the_truth(layout):
    truth, rng = _readable_truth(LAYOUTS.index(layout))
    page = render_invoice(truth, rng, style=random_style(rng, layout))
    photo = degrade(page, "clean", rng)
    for image in (page, photo):
        texts = [r.text for r in zxingcpp.read_barcodes(image) if "afip.gob.ar" in r.text]
        assert len(texts) == 1
        payload = json.loads(base64.b64decode(texts[0].split("?p=", 1)[1]))
        assert payload["cuit"] == int(truth.supplier_cuit)
        assert payload["ptoVta"] == truth.point_of_sale
        assert payload["tipoCmp"] == truth.afip_code
        assert payload["nroCmp"] == truth.number
        assert payload["fecha"] == truth.date.isoformat()
        assert Decimal(str(payload["importe"])) == truth.total
        assert payload["codAut"] == int(truth.cae)
        assert payload["moneda"] == "PES"


def test_tesseract_reads_the_total_and_the_cuit_on_a_clean_render():
    pytesseract = pytest.importorskip("pytesseract")
    os.environ["OMP_THREAD_LIMIT"] = "1"
    rng = np.random.default_rng(5)
    truth = random_truth(rng)
    style = random_style(rng, "erp")
    page = render_invoice(truth, rng, style=style)
    lower = page[page.shape[0] * 6 // 10:]  # totals and foot: half the work for Tesseract
    text = pytesseract.image_to_string(page[:page.shape[0] // 4], lang="spa")
    text += pytesseract.image_to_string(lower, lang="spa")
    squeezed = re.sub(r"\s+", "", text)
    assert money(truth.total, style) in squeezed
    assert truth.supplier_cuit in squeezed.replace("-", "")


@pytest.mark.parametrize("level", LEVELS)
def test_photos_look_like_phone_or_webcam_stills(level):
    image, _ = next(photo_set(1, level, seed=9))
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert 1500 <= max(image.shape[:2]) <= 2600
    assert image.shape[0] > image.shape[1]  # portrait, as a page is held
    # the page is lighter than the desk around it, and the desk shows on every side
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    border = np.concatenate([grey[:8].ravel(), grey[-8:].ravel(), grey[:, :8].ravel(),
                             grey[:, -8:].ravel()])
    centre = grey[grey.shape[0] // 3: 2 * grey.shape[0] // 3,
                  grey.shape[1] // 3: 2 * grey.shape[1] // 3]
    assert float(np.median(centre)) > float(np.median(border))


def test_each_layout_and_table_style_renders_an_a4_page():
    rng = np.random.default_rng(3)
    truth = random_truth(rng)
    for layout in LAYOUTS:
        for table in TABLE_STYLES:
            style = dataclasses.replace(random_style(rng, layout), table=table)
            page = render_invoice(truth, rng, style=style)
            assert page.shape == (2105, 1488, 3) and page.dtype == np.uint8
            assert page.min() < 60  # something was printed


def test_the_capture_video_has_every_frame_and_a_still_sharp_stretch_filling_the_frame(
        tmp_path):
    rng = np.random.default_rng(8)
    page = render_invoice(random_truth(rng), rng)
    path = tmp_path / "capture.avi"
    still = write_capture_video(path, page, rng, fps=10, seconds=3)
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    assert len(frames) == 30
    assert frames[0].shape == (1920, 1440, 3)  # a portrait 1080p-class counter camera
    assert len(still) >= 15 and still.start > 0 and still.stop < len(frames)
    steps = [float(np.abs(frames[i].astype(int) - frames[i - 1].astype(int)).mean())
             for i in range(1, len(frames))]
    assert max(steps[still.start:still.stop - 1]) < 3  # held still
    assert max(steps[: still.start - 1]) > 5 and max(steps[still.stop - 1:]) > 5  # moving
    sharpness = [cv2.Laplacian(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()
                 for f in frames]
    assert min(sharpness[i] for i in still) > max(sharpness[: still.start])
    corners = find_document(frames[still.start + 1])
    assert corners is not None
    fill = cv2.contourArea(corners) / (frames[0].shape[0] * frames[0].shape[1])
    assert 0.7 <= fill <= 0.9  # the page fills most of the frame, with desk all round
