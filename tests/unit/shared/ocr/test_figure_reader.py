"""The figure model: small, soft figures Tesseract garbles, read from their pixels."""

import random

import numpy as np
import pytest

from shared.ocr import figure_reader
from shared.ocr.figure_reader import (
    ALPHABET,
    decode,
    figure_like,
    ink_box,
    read_cells,
    read_crops,
    reread_rows,
)
from shared.ocr.model import Box, Word
from shared.ocr.synthetic_layout import available_fonts
from tests.unit.shared.ocr.soft_print import ink, page_with, soft

pytestmark = pytest.mark.skipif(not figure_reader.available(), reason="figure model missing")

FIGURES = ("30-63751426-8", "1.744.106,56", "77282164830106", "16/05/2026", "0003-00001234",
           "27.713,28", "33378318829", "$ 2.460,00", "10,50%", "2,692")


def test_decode_collapses_repeats_and_drops_blanks():
    frames = [1, 1, 0, 1, 0, ALPHABET.index(",") + 1, 3, 3, 0]
    log_probs = np.full((len(frames), len(ALPHABET) + 1), np.log(0.01), np.float32)
    for t, k in enumerate(frames):
        log_probs[t, k] = np.log(0.9)
    log_probs[4, 0] = np.log(0.55)  # one unsure frame
    text, sure = decode(log_probs)
    assert text == "00,2"
    assert sure == pytest.approx(0.55, abs=1e-4)


@pytest.mark.parametrize(("text", "expected"), [
    ("113718310879", True), ("13-17811807-4", True), ("I7938B03", True), ("01/0701", True),
    ("esere92231378", True), ("Actividades:2018", False),
    ("Actividades.", False), ("CUIT", False), ("5", False), ("Nro:", False), ("IVA21%", False),
])
def test_figure_like_words(text, expected):
    assert figure_like(Word(text, Box(0, 0, 10, 10), 50.0)) is expected


def test_small_soft_figures_are_read_in_every_font():
    rng = random.Random(3)
    crops, truths = [], []
    for family in available_fonts():
        for text in FIGURES:
            crops.append(soft(text, family, rng.uniform(8.5, 11), rng))
            truths.append(text)
    read = [text for text, _ in read_crops(crops)]
    right = sum(a == b for a, b in zip(read, truths, strict=True))
    assert right >= 0.9 * len(truths), list(zip(read, truths, strict=True))


def test_a_garbled_figure_word_is_replaced_by_the_models_reading():
    figure = soft("30-63751426-8", "Liberation Sans", 10, random.Random(1))
    page = page_with(figure, (100, 300))
    box = ink(figure, (100, 300))
    label = Word("CUIT", Box(200, box.top, 60, box.height), 90.0)
    noise = Word("3O-637SI4Z6-B", box, 20.0)
    (row,) = reread_rows(page, [[label, noise]])
    assert [w.text for w in row] == ["CUIT", "30-63751426-8"]
    assert abs(row[1].box.left - noise.box.left) <= 2


def test_words_split_at_the_dashes_are_read_as_one_figure():
    figure = soft("30-63751426-8", "DejaVu Sans", 10, random.Random(2))
    page = page_with(figure, (100, 300))
    box = ink(figure, (100, 300))
    cut = box.width // 5  # Tesseract's split at the first dash
    parts = [Word("30-", Box(box.left, box.top, cut, box.height), 40.0),
             Word("6375I426-8", Box(box.left + cut + 3, box.top, box.width - cut - 3, box.height),
                  30.0)]
    (row,) = reread_rows(page, [parts])
    assert [w.text for w in row] == ["30-63751426-8"]


def test_words_that_are_not_figures_are_left_alone():
    page = np.full((200, 600), 245, np.uint8)
    words = [Word("Actividades:", Box(10, 50, 120, 20), 60.0)]
    assert reread_rows(page, [words]) == [words]


def test_ink_box_finds_a_right_aligned_figure_and_a_blank_cell_is_none():
    figure = soft("27.713,28", "FreeSerif", 10, random.Random(4))
    page = page_with(figure, (100, 600))
    cell = Box(400, 95, 450, figure.shape[0] + 10)
    box = ink_box(page, cell)
    assert box is not None
    assert 600 <= box.left <= 640 and box.right <= 600 + figure.shape[1]
    assert ink_box(page, Box(20, 20, 300, 40)) is None
    assert read_cells(page, [cell, Box(20, 20, 300, 40)]) == ["27.713,28", ""]


def test_a_broken_model_file_keeps_tesseracts_words(tmp_path, monkeypatch):
    broken = tmp_path / "figures.onnx"
    broken.write_bytes(b"not a model")
    monkeypatch.setattr(figure_reader, "MODEL_PATH", broken)
    figure_reader._session.cache_clear()
    try:
        figure = soft("16/05/2026", "Liberation Serif", 10, random.Random(5))
        page = page_with(figure, (100, 300))
        words = [Word("1G/O5/2O26", Box(300, 100, figure.shape[1], figure.shape[0]), 20.0)]
        assert reread_rows(page, [words]) == [words]
        assert read_cells(page, [words[0].box]) == [""]
    finally:
        figure_reader._session.cache_clear()


def test_a_figure_boxed_only_in_part_is_read_whole():
    figure = soft("33-41381597-0", "Liberation Sans", 9, random.Random(6))
    page = page_with(figure, (100, 300))
    box = ink(figure, (100, 300))
    part = Word("1341381", Box(box.left + box.width // 6, box.top, box.width // 2, box.height), 50.0)
    (row,) = reread_rows(page, [[part]])
    assert [w.text for w in row] == ["33-41381597-0"]
    assert row[0].box.left <= box.left + 2 and row[0].box.right >= box.right - 2


def test_a_row_tall_box_is_narrowed_to_the_ink_and_the_label_beside_it_is_left_out():
    rng = random.Random(7)
    label = soft("CUIT", "DejaVu Sans", 10, rng)
    figure = soft("30-94728468-8", "DejaVu Sans", 10, rng)
    page = page_with(figure, (100, 300))
    page[100:100 + label.shape[0], 300 - label.shape[1] + 12:312] = np.minimum(
        page[100:100 + label.shape[0], 300 - label.shape[1] + 12:312], label)
    box = ink(figure, (100, 300))
    tall = Box(box.left, box.top - box.height, box.width // 3, 3 * box.height)
    rest = Box(box.left + box.width // 3 + 4, box.top, box.width - box.width // 3 - 4, box.height)
    (row,) = reread_rows(page, [[Word("10947", tall, 0.0), Word("34468-4", rest, 0.0)]])
    assert [w.text for w in row] == ["30-94728468-8"]


def test_a_cae_tesseract_misread_is_taken_as_the_model_reads_it(caplog):
    from shared.ocr.fields import HeaderFields
    from shared.ocr.pipeline import _check_figures as _check_cae

    figure = soft("88871155761205", "Liberation Serif", 9.5, random.Random(8))
    page = page_with(figure, (100, 300))
    box = ink(figure, (100, 300))
    misread = HeaderFields(cae="88371155761205", boxes={"cae": box})
    with caplog.at_level("INFO", logger="shared.ocr.pipeline"):
        _check_cae(page, misread)
    assert misread.cae == "88871155761205"
    assert "88371155761205" in caplog.text  # logged for whoever checks, not a warning
    assert not misread.problems
    right = HeaderFields(cae="88871155761205", boxes={"cae": box})
    _check_cae(page, right)
    assert right.cae == "88871155761205" and not right.problems
    # nothing printed where the box says: the reading stands
    blank = HeaderFields(cae="88371155761205", boxes={"cae": Box(20, 220, 200, 20)})
    _check_cae(page, blank)
    assert blank.cae == "88371155761205"


def test_a_date_tesseract_misread_is_taken_as_the_model_reads_it():
    from datetime import date

    from shared.ocr.fields import HeaderFields
    from shared.ocr.pipeline import _check_figures

    figure = soft("20/03/2026", "DejaVu Serif", 9.5, random.Random(9))
    page = page_with(figure, (100, 300))
    box = ink(figure, (100, 300))
    misread = HeaderFields(date=date(2026, 4, 20), boxes={"date": box})
    _check_figures(page, misread)
    assert misread.date == date(2026, 3, 20)
    # a reading of another year is not taken: a date that far off is another date
    other_year = HeaderFields(date=date(2025, 3, 20), boxes={"date": box})
    _check_figures(page, other_year)
    assert other_year.date == date(2025, 3, 20)
    # nor one the CAE's due date rules out, as it rules out the first reading's
    due_in_april = HeaderFields(date=date(2026, 4, 20), cae_due=date(2026, 4, 30),
                                boxes={"date": box})
    _check_figures(page, due_in_april)
    assert due_in_april.date == date(2026, 4, 20)
    due_in_march = HeaderFields(date=date(2026, 4, 20), cae_due=date(2026, 3, 30),
                                boxes={"date": box})
    _check_figures(page, due_in_march)
    assert due_in_march.date == date(2026, 3, 20)
