"""The text model: table headers and descriptions too small and soft for Tesseract, read
cell by cell from their pixels."""

import random

import numpy as np
import pytest
from rapidfuzz import fuzz

from shared.ocr import text_reader
from shared.ocr.model import Box
from shared.ocr.synthetic_layout import available_fonts
from shared.ocr.text_reader import ALPHABET, cells_of, read_rows, text_lines, wipe_rules, words_of
from tests.unit.shared.ocr.soft_print import page_with, soft

needs_model = pytest.mark.skipif(not text_reader.available(), reason="text model missing")


def frames_for(text: str, blanks: int = 1) -> np.ndarray:
    """Log-probabilities that decode to ``text``: each character on one frame, blank
    frames between (so doubled letters survive)."""
    classes = []
    for char in text:
        classes += [ALPHABET.index(char) + 1] + [0] * blanks
    log_probs = np.full((len(classes), len(ALPHABET) + 1), np.log(0.001), np.float32)
    for t, k in enumerate(classes):
        log_probs[t, k] = np.log(0.95)
    return log_probs


def row_of(cells: list[tuple[str, bool]], cap: float, rng: random.Random,
           family: str = "Liberation Serif", gap: int = 60) -> tuple[np.ndarray, Box, float]:
    """A page with one printed row: each (text, bold) cell soft, ``gap`` px apart."""
    pieces = [soft(text, family, cap, rng, bold=bold) for text, bold in cells]
    height = max(p.shape[0] for p in pieces)
    width = sum(p.shape[1] for p in pieces) + gap * (len(pieces) + 1)
    page = np.full((height + 80, width), 245, np.uint8)
    x = gap
    for piece in pieces:
        page[40:40 + piece.shape[0], x:x + piece.shape[1]] = piece
        x += piece.shape[1] + gap
    text = cap * 1.4 * 1.3  # enlarged 1.4x by soft(); a row's words reach below capitals
    middle = 40 + height // 2
    return page, Box(0, int(middle - text), width, int(2 * text)), text


def test_words_are_boxed_where_their_characters_were_read():
    log_probs = frames_for("Cant. 12,50")
    box = Box(100, 10, 300, 20)
    words = words_of(log_probs, crop_width=len(log_probs) * 4, crop_left=100, box=box)
    assert [w.text for w in words] == ["Cant.", "12,50"]
    first, second = words
    assert first.box.right < second.box.left
    assert box.left <= first.box.left and second.box.right <= box.right
    assert first.confidence == pytest.approx(95.0, abs=0.1)


def test_an_unsure_character_makes_its_word_unsure():
    log_probs = frames_for("Arroz 1kg")
    log_probs[0] = np.log(np.full(len(ALPHABET) + 1, 0.001))
    log_probs[0, ALPHABET.index("A") + 1] = np.log(0.2)
    words = words_of(log_probs, crop_width=len(log_probs) * 4, crop_left=0,
                     box=Box(0, 0, 200, 20))
    assert [round(w.confidence) for w in words] == [20, 95]


def test_a_row_is_cut_into_cells_at_column_gaps_not_word_spaces():
    rng = random.Random(1)
    page, band, height = row_of([("12", False), ("Arroz Largo Fino 1 kg", False),
                                 ("2.309,44", False), ("27.713,28", False)], 10, rng)
    cells = cells_of(page, band, height)
    assert len(cells) == 4
    lefts = [c.left for c in cells]
    assert lefts == sorted(lefts)
    assert cells[1].width > 4 * cells[0].width  # the description stays one cell
    assert cells_of(np.full((100, 400), 245, np.uint8), Box(0, 20, 400, 40), 12) == []


@needs_model
@pytest.mark.parametrize("family", available_fonts()[:4])
def test_a_soft_table_header_and_its_descriptions_are_read(family):
    rng = random.Random(7)
    rows = [
        [("Cant.", True), ("Código", True), ("Producto", True), ("P. Unitario", True),
         ("Subtotal", True)],
        [("12", False), ("62442", False), ("Arroz Largo Fino Gallo Oro 1 kg", False),
         ("2.309,44", False), ("27.713,28", False)],
        [("6", False), ("11421", False), ("Alfajor Jorgito Chocolate x 6", False),
         ("3.518,55", False), ("21.111,30", False)],
    ]
    similar = []
    for cells in rows:
        page, band, height = row_of(cells, 8.5, rng, family)
        (words,) = read_rows(page, [(band, height)])
        read = " ".join(w.text for w in words)
        truth = " ".join(text for text, _ in cells)
        similar.append(fuzz.ratio(read, truth))
        assert [w.box.left for w in words] == sorted(w.box.left for w in words)
    assert min(similar) >= 85, similar


def test_a_broken_model_file_leaves_tesseracts_words(tmp_path, monkeypatch):
    broken = tmp_path / "text.onnx"
    broken.write_bytes(b"not a model")
    monkeypatch.setattr(text_reader, "MODEL_PATH", broken)
    text_reader._session.cache_clear()
    try:
        page, band, height = row_of([("Producto", True)], 10, random.Random(2))
        assert read_rows(page, [(band, height)]) is None
    finally:
        text_reader._session.cache_clear()


def test_no_model_file_leaves_tesseracts_words(tmp_path, monkeypatch):
    monkeypatch.setattr(text_reader, "MODEL_PATH", tmp_path / "absent.onnx")
    page = page_with(np.full((20, 60), 40, np.uint8), (50, 50))
    assert read_rows(page, [(Box(0, 40, 900, 40), 20.0)]) is None


def test_printed_lines_are_found_between_blank_rows_and_specks_left_out():
    rng = random.Random(3)
    first, _, _ = row_of([("Cant.", True), ("Producto", True)], 10, rng)
    second, _, _ = row_of([("12", False), ("Arroz Largo Fino 1 kg", False)], 10, rng)
    width = max(first.shape[1], second.shape[1])
    page = np.full((first.shape[0] + second.shape[0] + 40, width), 245, np.uint8)
    page[:first.shape[0], :first.shape[1]] = first
    top = first.shape[0] + 40
    page[top:top + second.shape[0], :second.shape[1]] = second
    page[top - 20:top - 18, 10:13] = 40  # a speck between the lines
    lines = text_lines(page, 0, page.shape[0])
    assert len(lines) == 2
    (upper, upper_height), (lower, _) = lines
    assert upper.bottom <= lower.top
    assert 10 <= upper_height <= 30  # about the print's height, capitals and descenders


def test_a_grids_vertical_rules_are_wiped_and_the_print_beside_them_kept():
    rng = random.Random(4)
    page, band, height = row_of([("1", False), ("74339", False)], 10, rng, gap=14)
    tall = np.full((page.shape[0] * 4, page.shape[1]), 245, np.uint8)
    for k in range(4):  # four rows of the same print
        tall[k * page.shape[0]:(k + 1) * page.shape[0]] = page
    ink_columns = np.flatnonzero((page < 200).any(axis=0))
    gap = int(np.argmax(np.diff(ink_columns)))  # the blank between "1" and "74339"
    rule = (int(ink_columns[gap]) + int(ink_columns[gap + 1])) // 2
    tall[:, rule:rule + 2] = 200  # a light grey rule down the whole grid
    wiped = tall.copy()
    wipe_rules(wiped, 0, tall.shape[0], height)
    assert wiped[:, rule].min() > 225
    assert (wiped < 150).sum() == (tall < 150).sum()  # no print lost
    cells = cells_of(wiped, band, height)
    assert len(cells) == 2  # "1" and its code apart again


@needs_model
@pytest.mark.skipif(not __import__("shutil").which("tesseract"), reason="no Tesseract")
def test_tesseracts_block_reading_stands_in_only_for_a_missing_model(tmp_path, monkeypatch):
    from shared.ocr import table_text

    blocks = []
    real = table_text._read_as_block
    monkeypatch.setattr(table_text, "_read_as_block",
                        lambda *args: blocks.append(args) or real(*args))
    page, _, _ = row_of([("Remito sin tabla", False)], 14, random.Random(4))
    assert table_text.read_text(page)[2] is None  # no table: the model tried, no block
    assert blocks == []
    monkeypatch.setattr(text_reader, "MODEL_PATH", tmp_path / "absent.onnx")
    assert table_text.read_text(page)[2] is None
    assert len(blocks) == 1
