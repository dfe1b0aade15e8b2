"""The whole reading pipeline on generated invoice photos (real Tesseract, real QR reader)."""

import json
from decimal import Decimal
from pathlib import Path

import cv2
import numpy as np
import pytest
from rapidfuzz import fuzz

from shared.ocr.lines import find_table, group_rows
from shared.ocr.model import HEADER_FIELDS
from shared.ocr.pipeline import read_invoice, read_pages, read_path
from shared.ocr.synthetic import make_photo, render_invoice
from shared.ocr.tesseract import read_words

pytestmark = pytest.mark.skipif(not __import__("shutil").which("tesseract"),
                                reason="Tesseract is not installed")

SEED = 11
HEADER_KEYS = (("supplier", "cuit"), ("invoice", "type"), ("invoice", "afip_code"),
               ("invoice", "point_of_sale"), ("invoice", "number"), ("invoice", "date"),
               ("invoice", "cae"), ("totals", "total"))
DATA = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "invoices"


def header_of(contract: dict) -> dict:
    return {f"{part}.{key}": contract[part][key] for part, key in HEADER_KEYS}


@pytest.fixture(scope="module")
def clean_photos():
    """Three clean photos whose QR is printed large enough to read."""
    photos, index = [], 0
    while len(photos) < 3:
        photo, truth = make_photo(SEED, index, "clean")
        if truth.qr_readable:
            photos.append((photo, truth))
        index += 1
    return photos


@pytest.fixture(scope="module")
def readings_with_qr(clean_photos):
    return [read_invoice(photo, file=f"p{i}.jpg") for i, (photo, _) in enumerate(clean_photos)]


@pytest.fixture(scope="module")
def readings_without_qr(clean_photos):
    return [read_invoice(photo, use_qr=False) for photo, _ in clean_photos]


def test_clean_photos_with_qr_give_the_truths_header(clean_photos, readings_with_qr):
    for (_, truth), reading in zip(clean_photos, readings_with_qr, strict=True):
        assert reading.ok, reading.error
        assert reading.used_qr
        got, want = reading.to_contract(), truth.to_contract()
        assert header_of(got) == header_of(want)
        assert all(reading.confidence[name] >= 0.9 for name in HEADER_FIELDS)
        assert fuzz.ratio(got["supplier"]["name"].casefold(),
                          want["supplier"]["name"].casefold()) >= 90


def test_clean_photos_without_qr_read_the_header_from_the_text(clean_photos,
                                                              readings_without_qr):
    matches = 0
    for (_, truth), reading in zip(clean_photos, readings_without_qr, strict=True):
        assert reading.ok and not reading.used_qr
        got, want = header_of(reading.to_contract()), header_of(truth.to_contract())
        # What the text gives must be right; a field may be missing, never wrong.
        wrong = {k: (want[k], v) for k, v in got.items() if v is not None and v != want[k]}
        assert not wrong
        matches += sum(got[k] == want[k] for k in got)
    assert matches >= 0.85 * len(HEADER_KEYS) * len(clean_photos)


def test_lines_and_totals_of_clean_photos(clean_photos, readings_with_qr):
    right = total = 0
    for (_, truth), reading in zip(clean_photos, readings_with_qr, strict=True):
        want = [(line.quantity, line.unit_price, line.amount) for line in truth.lines]
        got = [(line.quantity, line.unit_price, line.amount) for line in reading.lines]
        right += sum(1 for line in got if line in want)
        total += len(want)
        # A figure that was read is never a wrong one in the totals.
        for name in ("net", "vat", "total"):
            value = getattr(reading, name)
            assert value is None or value == getattr(truth, name), name
    assert right >= 0.6 * total


def test_a_heavy_photo_never_reports_a_wrong_cuit_as_confident():
    for index in range(3):
        photo, truth = make_photo(SEED, 100 + index, "heavy")
        reading = read_invoice(photo, use_qr=False)
        assert reading.ok or reading.error
        if reading.supplier_cuit is not None and reading.supplier_cuit != truth.supplier_cuit:
            assert reading.confidence["cuit"] < 0.9


@pytest.mark.parametrize("image", [
    np.random.default_rng(1).integers(0, 256, (900, 700), dtype=np.uint8),
    np.zeros((1200, 900, 3), dtype=np.uint8),
    np.zeros((0, 0), dtype=np.uint8),
], ids=["noise", "black", "empty"])
def test_an_unreadable_image_gives_ok_false_with_a_reason(image):
    reading = read_invoice(image, file="bad.jpg")
    contract = reading.to_contract()
    if image.size and image.std() > 50:  # noise can look like a page: nothing read then
        assert not reading.ok or (reading.supplier_cuit is None and reading.total is None)
        return
    assert contract["ok"] is False and contract["error"]
    assert contract["file"] == "bad.jpg"


def test_a_truncated_jpeg_or_a_missing_file_gives_ok_false(tmp_path, clean_photos):
    _, data = cv2.imencode(".jpg", clean_photos[0][0])
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(data.tobytes()[:400])
    reading = read_path(broken)
    assert not reading.ok and reading.error
    missing = read_path(tmp_path / "nope.jpg")
    assert not missing.ok and missing.error


def test_two_pages_with_the_totals_on_page_two():
    _, truth = make_photo(SEED, 7, "clean")
    page = render_invoice(truth, np.random.default_rng([SEED, 7, 1]))
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if page.ndim == 3 else page
    table = find_table(group_rows(read_words(gray, bands=2)))
    assert table is not None
    first, second = page.copy(), np.full_like(page, 255)
    first[table.bottom:] = 255
    second[: page.shape[0] - table.bottom] = page[table.bottom:]
    reading = read_pages([first, second], use_qr=False)
    assert reading.ok
    assert reading.supplier_cuit == truth.supplier_cuit  # from page 1
    assert reading.date == truth.date
    # (this render prints the number's last digit so that it reads as ":'": the number is
    # then not read, never read short)
    assert (reading.point_of_sale, reading.number) in (
        (truth.point_of_sale, truth.number), (None, None))
    assert reading.total == truth.total  # from page 2
    assert len(reading.lines) >= len(truth.lines) - 1


def test_a_qr_closeup_is_merged():
    segno = pytest.importorskip("segno")
    photo, truth = make_photo(SEED, 3, "clean")
    qr = segno.make(truth.qr_url(), error="l", micro=False)
    matrix = np.pad(np.array(qr.matrix, dtype=np.uint8), 4)
    closeup = (np.kron(1 - matrix, np.ones((8, 8), dtype=np.uint8)) * 255).astype(np.uint8)
    reading = read_invoice(photo, use_qr=False)
    assert not reading.used_qr
    merged = read_pages([photo], use_qr=True, closeups=[closeup])
    assert merged.used_qr and merged.qr is not None
    assert merged.supplier_cuit == truth.supplier_cuit
    assert merged.total == truth.total
    assert merged.cae == truth.cae


def test_a_credit_note_is_marked_by_its_afip_code():
    for index in range(40):
        photo, truth = make_photo(SEED, index, "clean")
        if truth.afip_code in (3, 8, 13) and truth.qr_readable:
            break
    else:
        pytest.skip("no credit note among the generated photos")
    reading = read_invoice(photo)
    assert reading.afip_code == truth.afip_code


@pytest.mark.realdata
@pytest.mark.skipif(not DATA.is_dir(), reason="the shared data folder is not here")
def test_real_rendered_invoices_header_matches_the_annotations():
    expected = json.loads((DATA / "afipcaeqrdecode" / "expected_qr_payloads.json").read_text())
    checked = 0
    for name in ("2000005044986390", "2000007385626396"):
        payload = expected["expected"][f"{name}.pdf"]["parsed"]
        image = cv2.imread(str(DATA / "afipcaeqrdecode" / f"{name}_p1.png"))
        reading = read_invoice(image, use_qr=False)
        assert reading.supplier_cuit == str(payload["cuit"])
        assert reading.afip_code == int(payload["tipoCmp"])
        assert reading.point_of_sale == int(payload["ptoVta"])
        assert reading.number == int(payload["nroCmp"])
        assert reading.date is not None and reading.date.isoformat() == payload["fecha"]
        assert reading.total == Decimal(str(payload["importe"]))
        assert reading.cae == str(payload["codAut"])
        checked += 1
    annotations = json.loads((DATA / "ar_facturas_genuinefafa" / "annotations.json").read_text())
    truth = annotations["annotations"]["factura1475.pdf"]
    image = cv2.imread(str(DATA / "ar_facturas_genuinefafa" / "factura1475_p1.png"))
    reading = read_invoice(image, use_qr=False)
    assert reading.supplier_cuit == truth["emisor"]["cuit"].replace("-", "")
    assert reading.afip_code == truth["factura"]["tipo"]
    assert (reading.point_of_sale, reading.number) == (
        truth["factura"]["punto_venta"], truth["factura"]["numero"])
    assert reading.date.isoformat() == truth["factura"]["fecha"]
    assert reading.total == Decimal(str(truth["factura"]["total"]))
    assert reading.supplier_name.casefold() == truth["emisor"]["nombre"].casefold()
    assert checked == 2


def test_cells_read_in_one_run_come_back_cell_by_cell():
    from shared.ocr.model import Box
    from shared.ocr.tesseract import NUMERIC_CHARACTERS, read_cells

    image = np.full((200, 600), 255, np.uint8)
    texts = ["1.234,56", "78,90", "12"]
    cells = []
    for index, text in enumerate(texts):
        y = 40 + 60 * index
        cv2.putText(image, text, (30 + 150 * index, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)
        cells.append(Box(20 + 150 * index, y - 30, 170, 42))
    found = read_cells(image, cells, whitelist=NUMERIC_CHARACTERS, zoom=2.0)
    assert ["".join(w.text for w in words) for words in found] == texts


@pytest.mark.parametrize("index", [2, 10])
def test_tables_with_two_line_headers_or_a_header_the_layout_drops_are_read(index):
    # Photos of the diagnosis set whose tables were missed before: a two-line header in
    # a light grey grid (2), a header whose right half the automatic layout loses (10).
    photo, truth = make_photo(3, index, "moderate")
    reading = read_invoice(photo, use_qr=False)
    right = sum(1 for want, got in zip(truth.lines, reading.lines, strict=False)
                if got.quantity == want.quantity and got.amount == want.amount and
                fuzz.ratio((got.description or "").lower(), want.description.lower()) >= 80)
    assert right >= 0.8 * len(truth.lines)


def test_columns_read_side_by_side_come_back_in_their_own_page_places():
    from PIL import Image, ImageDraw

    from shared.ocr.model import Box
    from shared.ocr.synthetic_layout import _font, available_fonts
    from shared.ocr.tesseract import NUMERIC_CHARACTERS, read_side_by_side

    page = Image.new("L", (1200, 200), 255)
    draw = ImageDraw.Draw(page)
    font = _font(available_fonts()[0], 28, False)
    draw.text((60, 40), "1.234,56", fill=0, font=font)
    draw.text((60, 110), "78,90", fill=0, font=font)
    draw.text((760, 40), "12,00", fill=0, font=font)
    gray = np.asarray(page)
    regions = [Box(40, 20, 300, 150), Box(740, 20, 300, 150)]
    found = read_side_by_side(gray, regions, whitelist=NUMERIC_CHARACTERS, zoom=1.5)
    assert [w.text for w in found[0]] == ["1.234,56", "78,90"]
    assert [w.text for w in found[1]] == ["12,00"]
    first, second = found[0][0].box, found[1][0].box
    assert abs(first.left - 60) <= 6 and abs(first.top - 40) <= 12
    assert abs(second.left - 760) <= 6 and abs(second.top - 40) <= 12


def _right_lines(truth, reading) -> int:
    """Lines read right: quantity and amount equal, description at least 0.8 similar."""
    unmatched = list(truth.lines)
    right = 0
    for got in reading.lines:
        for want in unmatched:
            if got.quantity == want.quantity and got.amount == want.amount and fuzz.ratio(
                    (got.description or "").lower(), want.description.lower()) >= 80:
                unmatched.remove(want)
                right += 1
                break
    return right


@pytest.mark.parametrize("index", [31, 38])
def test_a_compact_table_tesseract_reads_as_noise_is_read_by_the_text_model(index,
                                                                             monkeypatch):
    # 7 pt print photographed at about 130 dpi: Tesseract reads the table's header as
    # noise ("Cam. Coba Prodi P Umrarda"), so without the text model no line is read.
    from shared.ocr import text_reader

    photo, truth = make_photo(2026, index, "moderate")
    reading = read_invoice(photo, use_qr=False)
    assert _right_lines(truth, reading) >= 0.8 * len(truth.lines)
    monkeypatch.setattr(text_reader, "MODEL_PATH", Path("absent.onnx"))
    assert _right_lines(truth, read_invoice(photo, use_qr=False)) <= 0.2 * len(truth.lines)
