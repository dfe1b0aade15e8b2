"""The letter box's big letter, found in the pixels when the page reading dropped it."""

import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw

from shared.ocr.letter_box import find_letter, read_letter
from shared.ocr.model import Box, Word
from shared.ocr.synthetic_layout import _font

pytestmark = pytest.mark.skipif(not shutil.which("tesseract"), reason="Tesseract is not installed")


def header_page(letter: str, *, framed: bool = True) -> tuple[np.ndarray, Word]:
    """A header: a big letter in its box left of the title FACTURA; the title's word."""
    page = Image.new("L", (1400, 600), 248)
    draw = ImageDraw.Draw(page)
    title_font = _font("Liberation Sans", 30, True)
    draw.text((760, 60), "FACTURA", font=title_font, fill=25)
    if framed:
        draw.rectangle((620, 40, 700, 130), outline=40, width=3)
    if letter:
        draw.text((660, 80), letter, font=_font("Liberation Sans", 70, True), fill=20, anchor="mm")
    draw.text((642, 108), "001", font=_font("Liberation Sans", 14, False), fill=40)
    left, top, right, bottom = draw.textbbox((760, 60), "FACTURA", font=title_font)
    return np.array(page), Word("FACTURA", Box(left, top, right - left, bottom - top), 96.0)


@pytest.mark.parametrize("letter", ["A", "B", "C", "M"])
def test_the_big_letter_beside_the_title_is_found_and_read(letter):
    page, title = header_page(letter)
    found = find_letter(page, [[title]])
    assert found is not None and 620 < found[0].left < 660 < found[0].right < 700
    found = read_letter(page, [[title]])
    assert found is not None and found.text == letter


def test_no_letter_no_title_nothing():
    page, title = header_page("")
    assert read_letter(page, [[title]]) is None
    page, _ = header_page("A")
    assert find_letter(page, [[Word("Distribuidora", Box(100, 60, 200, 30), 90.0)]]) is None
