"""Copies of a page in one document (ORIGINAL, DUPLICADO…) are counted once."""

import shutil
from decimal import Decimal

import cv2
import numpy as np
import pytest

from shared.ocr.copies import (
    better_read,
    changed_boxes,
    repeated_lines,
    same_document,
    same_invoice,
    same_print,
)
from shared.ocr.fields import HeaderFields
from shared.ocr.model import Box, ReadLine
from shared.ocr.pipeline import read_pages
from shared.ocr.synthetic import degrade, make_photo, render_invoice

needs_tesseract = pytest.mark.skipif(not shutil.which("tesseract"),
                                     reason="Tesseract is not installed")

TABLE = Box(0, 300, 800, 300)


def page_with(*texts: tuple[str, int, int]) -> np.ndarray:
    page = np.full((1000, 800), 255, np.uint8)
    for text, x, y in texts:
        cv2.putText(page, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    return page


def line(description, quantity, amount, unit_price=None, confidence=80.0):
    return ReadLine(description=description,
                    quantity=None if quantity is None else Decimal(quantity),
                    unit_price=None if unit_price is None else Decimal(unit_price),
                    amount=None if amount is None else Decimal(amount), confidence=confidence)


# --- the same print ----------------------------------------------------------------------


def test_a_page_differing_only_in_the_copys_name_is_the_same_print():
    body = [("FACTURA A 0003-00001234", 40, 80), ("Yerba 1 kg  12  1.234,56", 40, 400)]
    original = page_with(*body, ("ORIGINAL", 600, 950))
    duplicate = page_with(*body, ("DUPLICADO", 600, 950))
    (changed,) = changed_boxes(duplicate, original)
    assert changed.top > 900 and changed.left >= 580  # where the copy's name is
    assert same_print(duplicate, original, [TABLE])
    assert same_print(original.copy(), original, [TABLE])


def test_a_page_whose_lines_differ_is_not_the_same_print():
    original = page_with(("Yerba 1 kg  12  1.234,56", 40, 400))
    other = page_with(("Azucar 1 kg  12  1.034,56", 40, 400))
    assert not same_print(other, original, [TABLE])


def test_a_different_figure_in_the_header_is_another_document():
    number = Box(300, 50, 400, 50)  # where page 1 read the invoice number
    original = page_with(("0003-00001234", 320, 80))
    other = page_with(("0003-00001235", 320, 80))
    assert not same_print(other, original, [TABLE, number])


def test_pages_of_other_sizes_or_much_changed_are_not_copies():
    original = page_with(("Yerba", 40, 400))
    assert changed_boxes(original[:900], original) is None
    assert not same_print(original[:900], original, [])
    scrawled = original.copy()
    scrawled[100:300, 100:700] = 0  # a fifth of the page differs
    assert changed_boxes(scrawled, original) is None


# --- repeated lines -----------------------------------------------------------------------


def test_a_copys_lines_repeat_the_originals_even_garbled():
    earlier = [line("GOLPES DEL. PAT: LEG-386", "1", "14049.59"), line("Envio", "1", "1209.99")]
    later = [line("OOLYPES DEL.", "1", "14049.59"), line("Envio", "1", None)]
    assert repeated_lines(later, earlier, same_invoice=False) == [(0, 0), (1, 1)]


def test_a_continuation_page_does_not_repeat_the_first():
    earlier = [line("Yerba Mate 1 kg", "12", "1234.56"), line("Azucar 1 kg", "6", "900.00")]
    later = [line("Aceite girasol 900 ml", "12", "2400.00")]
    assert repeated_lines(later, earlier, same_invoice=True) is None
    # the same amount on another product is not a repeat either
    same_money = [line("Fideos tirabuzon 500 g", "12", "1234.56")]
    assert repeated_lines(same_money, earlier, same_invoice=False) is None
    # nor more lines than the earlier page holds
    assert repeated_lines(earlier + later, earlier, same_invoice=True) is None


def test_most_lines_are_enough_on_a_page_with_the_same_number():
    earlier = [line(f"Producto numero {i}", "1", f"{100 + i}.00") for i in range(5)]
    later = [*earlier[:3], line("????", "1", "999.00"), line("Producto numero 4", "1", "104.00")]
    assert repeated_lines(later, earlier, same_invoice=False) is None
    assert len(repeated_lines(later, earlier, same_invoice=True)) == 4


def test_the_better_reading_of_a_line_is_kept():
    whole = line("Valvula argon", "1", "74647.93", unit_price="74647.93")
    partial = line("Valvuta argon", "0", None, confidence=95.0)
    assert better_read(partial, whole) is whole
    assert better_read(whole, partial) is whole
    surer = line("Envio", "1", "10.00", unit_price="10.00", confidence=90.0)
    assert better_read(surer, line("Envi0", "1", "10.00", unit_price="10.00")) is surer


def test_pages_tell_documents_apart_only_by_figures_read_on_both():
    first = HeaderFields(supplier_cuit="30500010912", point_of_sale=3, number=1234,
                         total=Decimal("100.00"))
    unread = HeaderFields(point_of_sale=3, number=1234)
    assert same_document(unread, first) and same_invoice(unread, first)
    assert not same_document(HeaderFields(number=1235), first)
    assert not same_invoice(HeaderFields(number=1234), first)  # its point of sale unread
    other_total = HeaderFields(point_of_sale=3, number=1234, total=Decimal("90.00"))
    assert same_document(other_total, first) and not same_invoice(other_total, first)


# --- through the pipeline -----------------------------------------------------------------


def stamped(page: np.ndarray, name: str) -> np.ndarray:
    """The page with the copy's name printed in its bottom margin."""
    out = page.copy()
    height, width = out.shape[:2]
    cv2.putText(out, name, (width - 360, height - 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                (0, 0, 0), 2)
    return out


@pytest.fixture(scope="module")
def invoice():
    _, truth = make_photo(5, 2, "clean")
    return render_invoice(truth, np.random.default_rng([5, 2, 1])), truth


@needs_tesseract
def test_a_pdf_with_its_three_copies_counts_the_lines_once(invoice):
    page, truth = invoice
    pages = [stamped(page, name) for name in ("ORIGINAL", "DUPLICADO", "TRIPLICADO")]
    alone = read_pages(pages[:1], use_qr=False)
    reading = read_pages(pages, use_qr=False)
    assert reading.ok and len(alone.lines) >= len(truth.lines) - 1
    assert [(x.quantity, x.amount) for x in reading.lines] == \
        [(x.quantity, x.amount) for x in alone.lines]
    assert "page 2 is a copy of page 1: read once" in reading.warnings
    assert "page 3 is a copy of page 1: read once" in reading.warnings
    assert reading.total == truth.total


@needs_tesseract
def test_photos_of_two_copies_count_the_lines_once(invoice):
    page, truth = invoice
    photos = [degrade(stamped(page, name), "clean", np.random.default_rng([5, copy]))
              for copy, name in enumerate(("ORIGINAL", "DUPLICADO"))]
    alone = read_pages(photos[:1], use_qr=False)
    reading = read_pages(photos, use_qr=False)
    assert len(alone.lines) >= len(truth.lines) - 1
    assert len(reading.lines) == len(alone.lines)
    assert any(w.startswith("page 2 is a copy of page 1: its lines") for w in reading.warnings)
