"""The words of a page and its item table, read with Tesseract (pixels in, values out).

``read_text`` reads the page once with automatic layout and finds the table in its
words (``lines``). Then the table is read again from the pixels: the rules of its grid
are wiped, its header band is read on its own and names the strips of paper between
the body's gutters (``strips``), the strips are read apart from each other (set side by
side with paper between them; figures with the digits whitelist), and the figures of a
line that does not multiply out are read once more, larger, to choose between the
readings (``lines.choose_figures``). A first reading whose lines all multiply out and
add up to a figure printed below the table is not read again.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import cv2
import numpy as np

from shared.ocr.figure_reader import read_cells as read_figure_cells
from shared.ocr.line_figures import check_line, choose_figures
from shared.ocr.lines import (
    Column,
    Row,
    Table,
    amounts_of,
    cell_role,
    find_table,
    group_rows,
    quantity_of,
    read_lines,
)
from shared.ocr.model import Box, ReadLine, Word
from shared.ocr.model_table import read_table_with_model, table_span
from shared.ocr.strips import (
    Strip,
    body_span,
    column_strips,
    header_band,
    header_columns,
    text_height,
)
from shared.ocr.tesseract import (
    DEFAULT_TIMEOUT,
    NUMERIC_CHARACTERS,
    band_cuts,
    read_cells,
    read_regions,
    read_side_by_side,
    read_words,
)
from shared.ocr.text_reader import available as text_model_available

#: Tesseract processes per page (the machines have two cores).
OCR_BANDS = 2
#: Page segmentation: automatic for the page (best for the two-column header), then
#: "one uniform block" for the item table, which keeps every column of a row.
OCR_PSM = 3
TABLE_PSM = 6
#: The header band alone: sparse text first, as its cells may stand on one line or
#: two; one uniform block when that leaves a column unnamed.
HEADER_PSMS = (11, 6)
#: Pixels darker than this are ink when looking for the blank gutters between columns.
INK_LEVEL = 140
#: A table whose rows are shorter than this (pixels) is read enlarged twice.
SMALL_TEXT = 20
#: The figures of a line, read a second time when they do not multiply out (at most
#: this many lines per page).
_FIGURES = ("quantity", "unit_price", "amount")
MAX_SECOND_READS = 40
#: The lines' amounts and a printed subtotal agree within this (per-line rounding).
SUM_TOLERANCE = Decimal("0.05")
#: At most this many candidate amounts per line are tried against the printed totals.
MAX_PRODUCTS = 12
CENT = Decimal("0.01")
#: A table where fewer than this share of lines multiply out is read by the text model
#: too, and the better reading kept.
WEAK_TABLE = 0.5
#: White pixels between strips read side by side: narrower gaps let Tesseract run the
#: columns of a row together (measured: 60 loses lines, 150 and more do not).
STRIP_GAP = 150
#: Pixels darker than this may belong to a rule printed in light grey; a row (column)
#: of the table body with this share of such pixels is a rule.
RULE_LEVEL = 235
RULE_COVER = 0.8
MAX_RULE_WIDTH = 6


def read_text(gray: np.ndarray, *, timeout: float = DEFAULT_TIMEOUT
              ) -> tuple[list[Row], list[ReadLine], Table | None]:
    """The page's words in rows, its item lines and its table (None when not found)."""
    words = read_words(gray, psm=OCR_PSM, bands=OCR_BANDS, timeout=timeout)
    rows = group_rows(words)
    lines, table = read_lines(rows)
    model_tried = table is None
    if table is None:
        # Print too small and soft for Tesseract: it reads the table's header as noise.
        # The text model reads the table's region again; its table is read no further
        # by Tesseract, whose strips of such print come out worse.
        by_model = read_table_with_model(gray, rows)
        if by_model is not None:
            rows, lines, table = by_model
            _check_again(gray, rows, lines, table, timeout)
            return rows, lines, table
        if not text_model_available():
            # Without the model: the automatic layout sometimes misses a table header;
            # read the middle of the page again as one uniform block. (Where the model
            # ran and found no table, this reading found none either.)
            words, rows, lines, table = _read_as_block(gray, words, rows, timeout)
    # The automatic layout drops narrow right-aligned columns, runs a description into
    # the quantity and garbles two-line or shaded headers: read the header band and each
    # column of the body on their own. A header it half read is enough to start from.
    if table is not None and _adds_up(lines, rows, table):
        return rows, lines, table  # every line agrees and they make a printed total
    if not model_tried and table is not None and \
            sum(map(_multiplies_out, lines)) < WEAK_TABLE * len(lines):
        # Most lines fail their arithmetic: the print may be too soft for Tesseract
        # throughout. The text model's reading is taken when it is worth more.
        by_model = read_table_with_model(gray, rows)
        if by_model is not None and _line_score(by_model[1], by_model[0], by_model[2]) > \
                _line_score(lines, rows, table):
            _check_again(gray, *by_model, timeout)
            return by_model
    located = table if table is not None else find_table(rows, loose=True)
    if located is not None and located.rows:
        by_strips = _read_columns(gray, words, located, timeout, trusted=table is not None)
        if by_strips is not None and \
                _line_score(by_strips[1], by_strips[0], by_strips[2]) >= \
                _line_score(lines, rows, located):
            _prefer_checked(by_strips[1], lines)
            rows, lines, table = by_strips
        elif by_strips is not None:
            _prefer_checked(lines, by_strips[1])
    if table is not None:
        _check_again(gray, rows, lines, table, timeout)
    return rows, lines, table


def _read_as_block(gray: np.ndarray, words: list[Word], rows: list[Row], timeout: float
                   ) -> tuple[list[Word], list[Row], list[ReadLine], Table | None]:
    """The page's words, rows, lines and table with the middle of the page read again
    by Tesseract as one uniform block, where that finds a table; as they were if not."""
    span = table_span(rows, None, gray.shape[0])
    if span is not None:
        top, bottom = span
        again = read_words(gray[top:bottom], psm=TABLE_PSM, bands=OCR_BANDS,
                           timeout=timeout, origin=(0, top))
        merged = group_rows([w for w in words if not top <= w.box.top < bottom] + again)
        lines, table = read_lines(merged)
        if table is not None:
            return [w for r in merged for w in r.words], merged, lines, table
    return words, rows, [], None


def _check_again(gray: np.ndarray, rows: list[Row], lines: list[ReadLine], table: Table,
                 timeout: float) -> None:
    """The figures of lines that do not multiply out read once more, and amounts
    misread on a line or two taken from the printed total (in place)."""
    products = _read_figures_again(gray, lines, table, timeout)
    _amounts_by_total(lines, products, rows, table)


def _read_columns(gray: np.ndarray, words: Sequence[Word], table: Table, timeout: float,
                  *, trusted: bool = True) -> tuple[list[Row], list[ReadLine], Table] | None:
    """The page's rows again, with the table's header band read on its own and its body
    read strip by strip (figures with the digits whitelist), and the lines and table
    found in them (None: no table).

    The header read again names the strips; when it does not make a header, a
    ``trusted`` table (found from a full header) keeps the columns it had.
    """
    top, bottom = body_span(table)
    height = text_height(table)
    gray = _without_rules(gray, max(0, table.header.box.top - round(3 * height)), bottom)
    # The header band first: a two-line header reaches below the row read as the header.
    across = (gray[:, table.header.box.left:table.header.box.right] < INK_LEVEL).sum(axis=1)
    band_top, band_bottom = header_band(table, across.tolist())
    top = min(max(top, band_bottom), bottom - 1)
    if bottom - top < 2:
        return None
    ink = (gray[top:bottom] < INK_LEVEL).sum(axis=0)
    strips = column_strips(table, ink.tolist(), height)
    if not strips:
        return None
    zoom = 2.0 if height < SMALL_TEXT else 1.0
    # A word touching the crop's side goes unread: a letter's height of paper around.
    left = max(0, min(strips[0].left, table.header.box.left) - round(height))
    right = min(gray.shape[1], max(strips[-1].right, table.header.box.right) + round(height))
    band = Box(left, band_top, right - left, band_bottom - band_top)
    named: tuple[list[Column], list[Strip]] | None = None
    header_words: list[Word] = []
    readings: list[list[Word]] = []
    for psm in HEADER_PSMS:
        words_read = [w for w in read_regions(gray, [band], psm=psm, timeout=timeout,
                                              zoom=zoom)[0] if any(c.isalnum() for c in w.text)]
        readings.append(words_read)
        named, header_words = _better(named, header_words, strips, words_read, height)
        if named is not None and _named_count(named[0]) == len(named[0]):
            break  # every column named: no need for a second reading
    if named is None:
        # Where a reading named nothing, a header word of the first reading may.
        for words_read in readings:
            named_here = [w for w in words_read if cell_role([w]) is not None]
            words_read = words_read + [
                w for w in table.header.words if cell_role([w]) is not None and
                not any(_x_overlaps(w.box, other.box) for other in named_here)]
            named, header_words = _better(named, header_words, strips, words_read, height)
    header: tuple[Row, list[Column]] | None = None
    if named is not None:
        columns, strips = named
        header = Row(sorted(header_words, key=lambda w: w.box.left)), columns
    elif not trusted:
        return None
    else:
        band_top = top
    found = _read_strips(gray, strips, top, bottom, zoom, timeout)
    kept = [w for w in words if not band_top <= (w.box.top + w.box.bottom) / 2 < bottom]
    extra = header_words if header is not None else []
    rows = group_rows(kept + extra + found)
    lines, again = read_lines(rows, header=header)
    return (rows, lines, again) if again is not None else None


def _without_rules(gray: np.ndarray, top: int, bottom: int) -> np.ndarray:
    """The page with the rules of the table (rows ``top:bottom``) turned white.

    ``remove_rules`` looks for dark lines over the whole page; a grid printed in light
    grey escapes it, and Tesseract reads nothing in a strip boxed by such a grid. A thin
    run of pixel rows marked across most of the table's width, or of columns marked down
    most of its height, is a rule: text always leaves gutters and gaps between lines,
    and a shaded header is a thick band, not a rule.
    """
    region = gray[top:bottom]
    marks = region < RULE_LEVEL
    columns = np.flatnonzero(marks.any(axis=0))
    if columns.size == 0:
        return gray
    left, right = int(columns[0]), int(columns[-1]) + 1
    lines = np.zeros_like(marks)
    for y in _thin_runs(marks[:, left:right].mean(axis=1) >= RULE_COVER):
        lines[max(0, y - 1):y + 2] = True
    for x in _thin_runs(marks.mean(axis=0) >= RULE_COVER):
        lines[:, max(0, x - 1):x + 2] = True
    if not lines.any():
        return gray
    cleaned = gray.copy()
    cleaned[top:bottom][lines & marks] = 255
    return cleaned


def _thin_runs(flags: np.ndarray) -> list[int]:
    """The indices of ``flags`` in runs of True at most ``MAX_RULE_WIDTH`` long."""
    found: list[int] = []
    run: list[int] = []
    for index, flag in enumerate([*flags.tolist(), False]):
        if flag:
            run.append(index)
            continue
        if 0 < len(run) <= MAX_RULE_WIDTH:
            found.extend(run)
        run = []
    return found


def _read_figures_again(gray: np.ndarray, lines: Sequence[ReadLine], table: Table,
                        timeout: float) -> dict[int, list[Decimal]]:
    """Read the figures of the lines that do not multiply out once more, larger, and
    keep a second reading where it makes the line agree (``choose_figures``).

    Returns, for each line that still does not agree (by ``id``), the products of its
    quantities and unit prices as read: what its amount would be (``_amounts_by_total``).
    """
    columns = {column.role: column for column in table.columns}
    if not all(role in columns for role in _FIGURES):
        return {}
    failing = [(line, line.box) for line in lines
               if line.box is not None and not _multiplies_out(line)][:MAX_SECOND_READS]
    if not failing:
        return {}
    width = gray.shape[1]
    cells = []
    for _, box in failing:
        pad = max(2, box.height // 5)
        for role in _FIGURES:
            left, right = max(0, columns[role].left), min(width, columns[role].right)
            cells.append(Box(left, box.top - pad, max(1, right - left), box.height + 2 * pad))
    zoom = 3.0 if text_height(table) < SMALL_TEXT else 2.0
    # Read as printed and sharpened (two processes side by side): the arithmetic picks.
    with ThreadPoolExecutor(max_workers=2) as pool:
        readings = list(pool.map(
            lambda image: read_cells(image, cells, whitelist=NUMERIC_CHARACTERS, zoom=zoom,
                                     timeout=timeout), (gray, sharpen(gray))))
    # and by the figure model, which reads small soft digits Tesseract cannot
    readings.append([[Word(text, cell, 50.0)] if text else []
                     for text, cell in zip(read_figure_cells(gray, cells), cells, strict=True)])
    products: dict[int, list[Decimal]] = {}
    for index, (line, _) in enumerate(failing):
        quantities: list[Decimal] = []
        prices: list[Decimal] = []
        amounts: list[Decimal] = []
        for found in readings:
            quantity, price, amount = found[3 * index:3 * index + 3]
            read_quantity = quantity_of(quantity)
            quantities += [read_quantity] if read_quantity is not None else []
            prices += amounts_of(price)
            amounts += amounts_of(amount)
        quantities = list(dict.fromkeys(quantities))
        prices = list(dict.fromkeys(prices))
        if choose_figures(line, quantities, prices, list(dict.fromkeys(amounts))):
            continue
        own_quantity = [line.quantity] if line.quantity is not None else []
        own_price = [line.unit_price] if line.unit_price is not None else []
        products[id(line)] = list(dict.fromkeys(
            (q * p).quantize(CENT) for q in dict.fromkeys(own_quantity + quantities)
            for p in dict.fromkeys(own_price + prices) if q > 0 and p > 0))[:MAX_PRODUCTS]
    return products


def _amounts_by_total(lines: Sequence[ReadLine], products: dict[int, list[Decimal]],
                      rows: Sequence[Row], table: Table) -> None:
    """Amounts misread on one or two lines, taken from their quantity × unit price when
    that — and only that — makes the lines add up to a figure printed below the table
    (the subtotal, the net or the total): two readings of the page agree on them."""
    failing = [line for line in lines if products.get(id(line))]
    others = [line for line in lines if not products.get(id(line))]
    if not failing or len(failing) > 2 or any(line.amount is None for line in others):
        return
    base = sum((line.amount for line in others if line.amount is not None), Decimal(0))
    printed = _printed_below(rows, table)
    matches = [combo for combo in itertools.product(*(products[id(line)] for line in failing))
               if any(abs(base + sum(combo) - value) <= SUM_TOLERANCE for value in printed)]
    if len({tuple(combo) for combo in matches}) != 1:
        return  # none, or more than one way: nothing is taken
    for line, amount in zip(failing, matches[0], strict=True):
        line.amount = amount
        line.confidence = round(min(1.0, line.confidence + 0.1), 2)


def _better(named: tuple[list[Column], list[Strip]] | None, header_words: list[Word],
            strips: Sequence[Strip], words: list[Word], height: float
            ) -> tuple[tuple[list[Column], list[Strip]] | None, list[Word]]:
    """The better of a header already found and the one ``words`` make: the one naming
    more columns (the first on a tie)."""
    found = header_columns(strips, words, height)
    if found is not None and (named is None or _named_count(found[0]) > _named_count(named[0])):
        return found, words
    return named, header_words


def _x_overlaps(a: Box, b: Box) -> bool:
    return min(a.right, b.right) > max(a.left, b.left)


def _named_count(columns: Sequence[Column]) -> int:
    return sum(1 for column in columns if column.role != "other")


def _read_strips(gray: np.ndarray, strips: Sequence[Strip], top: int, bottom: int,
                 zoom: float, timeout: float) -> list[Word]:
    """The strips' words: the figure strips set side by side in one Tesseract run (digits
    whitelist), the text strips in another, both at once."""
    sharp = sharpen(gray)
    groups = [[s for s in strips if s.numeric], [s for s in strips if not s.numeric]]
    gap = STRIP_GAP

    def read(group: list[Strip]) -> list[Word]:
        if not group:
            return []
        regions = [Box(s.left, top, s.right - s.left, bottom - top) for s in group]
        found = read_side_by_side(sharp, regions, psm=TABLE_PSM, timeout=timeout, zoom=zoom,
                                  whitelist=NUMERIC_CHARACTERS if group[0].numeric else None,
                                  gap=gap)
        return [w for strip_words in found for w in strip_words]

    with ThreadPoolExecutor(max_workers=2) as pool:
        return [w for words in pool.map(read, groups) for w in words]


def _prefer_checked(lines: Sequence[ReadLine], others: Sequence[ReadLine]) -> None:
    """Where a line's figures do not multiply out but the other reading of the same
    printed line does, take the other reading's figures (two readings, one chosen by
    the arithmetic; nothing computed)."""
    for line in lines:
        if line.box is None or _multiplies_out(line):
            continue
        middle = (line.box.top + line.box.bottom) / 2
        for other in others:
            if other.box is not None and other.box.top <= middle <= other.box.bottom and \
                    _multiplies_out(other):
                line.quantity, line.unit_price, line.amount = (
                    other.quantity, other.unit_price, other.amount)
                break


def _adds_up(lines: Sequence[ReadLine], rows: Sequence[Row], table: Table) -> bool:
    """Whether the first reading of the table is complete beyond reasonable doubt: every
    line multiplies out and their amounts add up to a figure printed below the table
    (the subtotal, the net or the total). Then the table is not read again."""
    if not lines or not all(_multiplies_out(line) for line in lines):
        return False
    total = sum((line.amount for line in lines if line.amount is not None), Decimal(0))
    return any(abs(value - total) <= SUM_TOLERANCE for value in _printed_below(rows, table))


def _printed_below(rows: Sequence[Row], table: Table) -> list[Decimal]:
    """Every amount printed below the table (its subtotal, net, VAT, total …)."""
    return [value for row in rows if row.box.top >= table.bottom
            for value in amounts_of(row.words)]


def _multiplies_out(line: ReadLine) -> bool:
    return check_line(line.quantity, line.unit_price, line.amount)[3]


def _line_score(lines: Sequence[ReadLine], rows: Sequence[Row], table: Table) -> float:
    """How much a reading of the table is worth: lines whose figures multiply out count
    most, then lines with an amount; an amount read without its decimal comma counts
    half (money is printed with cents: its quantity lost its comma too, most likely),
    and lines that add up to a figure printed below the table count once more."""
    score = sum((1.0 if line.confidence >= 0.2 and line.quantity is not None and
                 line.unit_price is not None else 0.5) *
                (0.5 if line.amount.as_tuple().exponent == 0 else 1.0)
                for line in lines if line.amount is not None)
    if lines and all(line.amount is not None for line in lines):
        total = sum((line.amount for line in lines if line.amount is not None), Decimal(0))
        if any(abs(value - total) <= SUM_TOLERANCE for value in _printed_below(rows, table)):
            score += len(lines)
    return score


# --- the page around the table, once more ------------------------------------------------

#: Unsharp masking for the second reading of soft print: amount and radius (pixels).
SHARPEN_AMOUNT = 2.5
SHARPEN_SIGMA = 2.5


@dataclass(frozen=True, slots=True)
class AroundTable:
    """Words of a second reading of the page above and below the item table."""

    words: list[Word]
    top: int | None  # the table's first pixel row (None: no table, the whole page read)
    bottom: int | None

    def covers(self, word: Word) -> bool:
        """Whether ``word`` of the first reading lies in the table (kept: not read again)."""
        if self.top is None or self.bottom is None:
            return False
        middle = (word.box.top + word.box.bottom) / 2
        return self.top <= middle < self.bottom


def read_around_table(gray: np.ndarray, table_top: int | None, table_bottom: int | None,
                      *, timeout: float = DEFAULT_TIMEOUT) -> AroundTable | None:
    """The page above and below the item table (the whole page without one) read again,
    sharpened: a blurred photo's digits often come out right the second time. The two
    parts (or two bands of the whole page) are read in parallel. None when there is
    nothing to read."""
    height, width = gray.shape[:2]
    if table_top is None or table_bottom is None:
        top = bottom = None
        regions = [Box(0, upper, width, lower - upper)
                   for upper, lower in itertools.pairwise(band_cuts(gray, OCR_BANDS))]
    else:
        top, bottom = max(0, table_top - 2), min(height, table_bottom)
        regions = [Box(0, 0, width, top), Box(0, bottom, width, height - bottom)]
    regions = [r for r in regions if r.height >= 20]
    if not regions:
        return None
    found = read_regions(sharpen(gray), regions, psm=OCR_PSM, timeout=timeout,
                         workers=OCR_BANDS)
    return AroundTable([w for part in found for w in part], top, bottom)


def sharpen(gray: np.ndarray) -> np.ndarray:
    """Unsharp masking strong enough to bring back the strokes of soft print."""
    blurred = cv2.GaussianBlur(gray, (0, 0), SHARPEN_SIGMA)
    return cv2.addWeighted(gray, 1 + SHARPEN_AMOUNT, blurred, -SHARPEN_AMOUNT, 0)
