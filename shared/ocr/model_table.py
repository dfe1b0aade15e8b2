"""The item table read by the text model, for print too small and soft for Tesseract.

``table_text.read_text`` calls ``read_table_with_model`` when Tesseract's reading of a
page has no table, or a table whose lines mostly fail their arithmetic. The model
(``text_reader``) reads the table's region line by line; the same table finder then
reads its words, and header cells the model could not name are named by what their
columns hold.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from functools import cache

import numpy as np

from shared.ocr.fields import fold
from shared.ocr.line_figures import check_line
from shared.ocr.lines import (
    Column,
    Row,
    Table,
    amounts_of,
    find_table,
    group_rows,
    quantity_of,
    read_lines,
)
from shared.ocr.model import ReadLine, Word
from shared.ocr.text_reader import read_region as read_text_region


def table_span(rows: Sequence[Row], table: Table | None,
               height: int) -> tuple[int, int] | None:
    """Where the item table is (its header to its end) or, without one, where it would
    be: from 15 % of the page down to the first row naming a subtotal or total."""
    if table is not None:
        return max(0, table.header.box.top - 4), min(height, table.bottom)
    top = int(height * 0.15)
    bottom = next((row.box.top for row in rows if row.box.top > height * 0.3 and any(
        fold(w.text).strip(":") in ("SUBTOTAL", "TOTAL", "NETO") for w in row.words)),
        int(height * 0.85))
    return (top, bottom) if bottom - top > height * 0.1 else None


#: The text model's reading of a page starts this far down (a share of the page's
#: height): below the issuer's block, above any table's header.
MODEL_SPAN_TOP = 0.08


def read_table_with_model(gray: np.ndarray, rows: Sequence[Row]
                          ) -> tuple[list[Row], list[ReadLine], Table] | None:
    """The page's rows with the table's read by the text model instead of Tesseract,
    its lines and table; None when the model finds no table either (or is missing).
    The model reads from the top of the table's region to the totals, so that a table
    header Tesseract missed is found."""
    height = gray.shape[0]
    span = table_span(rows, None, height)
    if span is None:
        return None
    top, bottom = int(height * MODEL_SPAN_TOP), span[1]
    inside = [row for row in rows if top <= (row.box.top + row.box.bottom) / 2 < bottom]
    row_height = float(np.median([row.height for row in inside])) if inside else 20.0
    read = read_text_region(gray, top, bottom, row_height)
    if read is None:
        return None
    replaced = {id(row) for row in inside}
    kept = [w for row in rows if id(row) not in replaced for w in row.words]
    merged = group_rows(kept + [w for row in read for w in row])
    lines, table = read_lines(merged)
    if table is None:
        # a header the model half read: its columns still place the body's words
        loose = find_table(merged, loose=True)
        if loose is not None:
            lines, table = read_lines(merged, header=(loose.header, loose.columns))
    if table is None:
        return None
    split = _split_joined(table)
    named = _named_by_content(split) or (split if split.columns != table.columns else None)
    if named is not None:
        named_lines, named_table = read_lines(merged, header=(named.header, named.columns))
        if named_table is not None and len(named_lines) >= len(lines):
            lines, table = named_lines, named_table
    if not lines:
        return None
    # The model reads the table; the header fields and totals around it stay as
    # Tesseract read them (their checks and second readings are tuned to it).
    first = table.header.box.top

    def in_table(row: Row) -> bool:
        return first <= (row.box.top + row.box.bottom) / 2 < table.bottom

    kept_rows = [row for row in rows if not in_table(row)]
    return sorted(kept_rows + [row for row in merged if in_table(row)],
                  key=lambda row: row.box.top + row.box.bottom), lines, table


def _split_joined(table: Table) -> Table:
    """The table with a header cell that joined two words of two columns ("Cant."
    and a misread "Código") split between them, where in most body rows print stands
    on both sides of the gap between those words and none runs across it."""
    columns: list[Column] = []
    for column in table.columns:
        heads = sorted((w for w in table.header.words
                        if column.left <= (w.box.left + w.box.right) / 2 < column.right),
                       key=lambda w: w.box.left)
        cut = None
        for first, second in itertools.pairwise(heads):
            middle = (first.box.right + second.box.left) // 2
            cells = [[w for w in row.words if column.left <= (w.box.left + w.box.right) / 2
                      < column.right] for row in table.rows]
            across = any(w.box.left < middle < w.box.right for cell in cells for w in cell)
            both = sum(any(w.box.right <= middle for w in cell) and
                       any(w.box.left >= middle for w in cell) for cell in cells)
            if not across and both >= 0.6 * max(1, len(table.rows)):
                cut = middle
                break
        if cut is None:
            columns.append(column)
        else:
            columns.append(replace(column, right=cut, text_right=min(column.text_right, cut)))
            columns.append(Column("other", cut, column.right, cut, max(cut, column.text_right)))
    return Table(columns, table.header, table.rows, table.bottom)


def _named_by_content(table: Table) -> Table | None:
    """The table with header cells the model could not name given a role by what their
    column holds, None when there is nothing to name: the unnamed column of words is
    the description, the rightmost unnamed column of money the amount, an unnamed
    column whose numbers times the unit price make the amount the quantity."""
    columns = list(table.columns)
    roles = {column.role for column in columns}
    unnamed = [i for i, column in enumerate(columns) if column.role == "other"]

    @cache  # naming a column keeps its bounds, so its words stay the same
    def body(index: int) -> list[list[Word]]:
        column = columns[index]
        return [[w for w in row.words if column.left <= (w.box.left + w.box.right) / 2
                 < column.right] for row in table.rows]

    changed = False
    if "description" not in roles and unnamed:
        @cache
        def wordy(index: int) -> float:
            cells = [cell for cell in body(index) if cell]
            return sum(sum(sum(c.isalpha() for c in w.text) >= 3 for w in cell) >= 2
                       for cell in cells) / max(1, len(table.rows))
        best = max(unnamed, key=wordy)
        if wordy(best) >= 0.6:
            columns[best] = replace(columns[best], role="description")
            unnamed.remove(best)
            changed = True
    if "amount" not in roles and unnamed:
        money = [i for i in unnamed
                 if sum(bool(amounts_of(cell)) for cell in body(i)) >= 0.6 * len(table.rows)]
        if money:  # the rightmost column of money: the line's amount
            columns[money[-1]] = replace(columns[money[-1]], role="amount")
            unnamed.remove(money[-1])
            roles.add("amount")
            changed = True
    if "quantity" not in roles and {"unit_price", "amount"} <= roles and unnamed:
        price = next(i for i, c in enumerate(columns) if c.role == "unit_price")
        amount = next(i for i, c in enumerate(columns) if c.role == "amount")
        prices, amounts = body(price), body(amount)

        def multiplies(index: int) -> int:
            return sum(any(check_line(q, p, a)[3] for p in amounts_of(pc) for a in amounts_of(ac))
                       for q, pc, ac in zip((quantity_of(c) for c in body(index)), prices,
                                            amounts, strict=True) if q is not None)
        best = max(unnamed, key=multiplies)
        if multiplies(best) >= 0.5 * len(table.rows):
            columns[best] = replace(columns[best], role="quantity")
            changed = True
    return Table(columns, table.header, table.rows, table.bottom) if changed else None
