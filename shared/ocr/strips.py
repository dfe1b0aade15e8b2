"""The item table's columns as vertical strips of paper, to read one by one (pure).

The page's first reading finds the table roughly: its header row and the rows below.
Its columns are then taken from the page itself: the blank gutters of the body cut it
into strips (``column_strips``), the header band above them (``header_band``, both
lines of a two-line header) is read again on its own, and each header word names the
strips under it (``header_columns``). A strip no header word names belongs to its
nearer neighbour (a description printed past its column, "… retornable x 12", or a
figure cut at its thousands dot in a monospaced font).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.ocr.lines import NUMERIC_ROLES, Column, Table, cell_role
from shared.ocr.model import Box, Word

#: A blank run this many text heights wide is a gutter between columns; word spaces
#: are narrower.
GUTTER = 0.45
#: The header band reaches up from the header row over ink separated by blank runs
#: shorter than this many text heights (the first line of a two-line header), and no
#: further than ``MAX_HEADER_REACH`` text heights.
HEADER_LINE_GAP = 0.45
MAX_HEADER_REACH = 2.2
#: A strip no header word names joins a neighbour at most this many text heights away.
MAX_JOIN_GAP = 2.5


@dataclass(frozen=True, slots=True)
class Strip:
    """A vertical band of the table body between two gutters of blank paper."""

    left: int
    right: int
    numeric: bool  # every header cell above it names a figure


def text_height(table: Table) -> float:
    """The height of the table's letters: the median body row's (a header row may hold a
    tall box Tesseract drew around a two-line cell), or the header's without a body."""
    heights = sorted(row.height for row in table.rows)
    return heights[len(heights) // 2] if heights else table.header.height


def body_span(table: Table) -> tuple[int, int]:
    """The rows of pixels of the table's body: under the header, above the totals, and
    no more than a few blank rows past the last row read."""
    top = table.header.box.bottom + 1
    height = round(text_height(table))
    last = max((row.box.bottom for row in table.rows), default=top + 4 * height)
    return top, max(top + height, min(table.bottom, last + 3 * height))


def column_strips(table: Table, ink: Sequence[int], text_height: float) -> list[Strip]:
    """The table's columns as strips, from the blank gutters of the body and the header.

    ``ink[x]`` counts dark pixels in column ``x`` of the body. A run of blank columns at
    least about half a letter tall wide separates two strips (word spaces are narrower);
    a strip that holds several header cells (a description printed up to the figures)
    stays whole. Strips get half a gutter of paper on each side.
    """
    width = len(ink)
    if width == 0:
        return []
    gap = max(6, round(GUTTER * text_height))
    speck = max(1, int(max(ink) * 0.02))
    segments: list[list[int]] = []
    blank_run = gap
    for x, count in enumerate(ink):
        if count <= speck:
            blank_run += 1
            continue
        if blank_run >= gap or not segments:
            segments.append([x, x + 1])
        else:
            segments[-1][1] = x + 1
        blank_run = 0
    strips: list[Strip] = []
    for start, end in segments:
        # Ink touching the image's side is the page's edge or the desk, not a column;
        # ink beyond the words read is kept: the automatic layout drops whole columns.
        if start == 0 or end == width or end - start < 3:
            continue
        roles = [c.role for c in table.columns if c.text_right > c.text_left and
                 min(end, c.text_right) - max(start, c.text_left) > 0]
        numeric = bool(roles) and all(role in NUMERIC_ROLES for role in roles)
        strips.append(Strip(max(0, start - gap // 2), min(width, end + gap // 2), numeric))
    return strips


def header_band(table: Table, ink: Sequence[int]) -> tuple[int, int]:
    """The rows of pixels of the whole header: the header row and the lines just above
    and below it that continue it (a two-line header read as two or three rows), never
    into the first body row that holds a figure.

    ``ink[y]`` counts dark pixels in row ``y`` of the page across the table.
    """
    height = text_height(table)
    reach = round(MAX_HEADER_REACH * height)
    gap = max(2, round(HEADER_LINE_GAP * height))
    first_body = next((row.box.top for row in table.rows
                       if any(c.isdigit() for c in row.text)), len(ink))
    first_body = max(first_body, table.header.box.bottom + 1)
    top = _extend(ink, table.header.box.top, -1, max(0, table.header.box.top - reach), gap)
    bottom = _extend(ink, table.header.box.bottom - 1, 1,
                     min(first_body, table.header.box.bottom + reach), gap) + 1
    return max(0, top - 2), min(first_body, bottom + 2)


def _extend(ink: Sequence[int], start: int, step: int, limit: int, gap: int) -> int:
    """The last inked row reached from ``start`` going ``step`` over blank runs shorter
    than ``gap``, not past ``limit``."""
    window = ink[min(start, limit):max(start, limit) + 1]
    speck = max(1, int(max(window, default=0) * 0.02))
    reached, blank_run, y = start, 0, start
    while 0 <= y + step < len(ink) and (y + step - limit) * step <= 0:
        y += step
        if ink[y] <= speck:
            blank_run += 1
            if blank_run >= gap:
                break
        else:
            blank_run, reached = 0, y
    return reached


def header_columns(strips: Sequence[Strip], words: Sequence[Word], text_height: float
                   ) -> tuple[list[Column], list[Strip]] | None:
    """The table's columns from the body's strips and the header band's words.

    Each header word names the strips it stands over (the nearest one when it stands in
    a gutter); the strips one word names are one column, and a strip no word names joins
    the neighbour across the narrower gap. The columns meet halfway across each gutter;
    a role seen twice keeps its first column. Returns the columns and one strip per
    column (figures or not), or None when the words do not make a header (a description
    and two figures).
    """
    if not strips:
        return None
    named: list[list[Word]] = [[] for _ in strips]
    for word in words:
        if not any(c.isalnum() for c in word.text):
            continue
        covered = [i for i, s in enumerate(strips)
                   if min(s.right, word.box.right) - max(s.left, word.box.left) >
                   0.3 * min(s.right - s.left, word.box.width)]
        if not covered:
            middle = (word.box.left + word.box.right) / 2
            covered = [min(range(len(strips)), key=lambda i: min(
                abs(strips[i].left - middle), abs(strips[i].right - middle)))]
        for index in covered:
            named[index].append(word)
    # links[i]: strips i and i + 1 are one column. Two named strips are when one word
    # names both; a strip no word names joins the neighbour across the narrower gap (a
    # figure split at its thousands dot, a description's last word past a gutter).
    links = [False] * (len(strips) - 1)
    for i in range(len(strips) - 1):
        if named[i] and named[i + 1]:
            links[i] = any(word in named[i + 1] for word in named[i]) or \
                _one_header_cell(named[i], named[i + 1], text_height)
    for i, strip_words in enumerate(named):
        if strip_words:
            continue
        widest = MAX_JOIN_GAP * text_height  # wider: a column whose header went unread
        left_gap = strips[i].left - strips[i - 1].right if i > 0 else None
        right_gap = strips[i + 1].left - strips[i].right if i + 1 < len(strips) else None
        if left_gap is not None and left_gap <= widest and (
                right_gap is None or left_gap <= right_gap):
            links[i - 1] = True
        elif right_gap is not None and right_gap <= widest:
            links[i] = True
    groups: list[list[int]] = [[0]]
    for i in range(1, len(strips)):
        if links[i - 1]:
            groups[-1].append(i)
        else:
            groups.append([i])
    cells: list[tuple[str | None, list[Word], int, int]] = []
    for group in groups:
        cell_words: list[Word] = []
        for index in group:
            cell_words.extend(w for w in named[index] if w not in cell_words)
        ordered = sorted(cell_words, key=lambda w: (w.box.top, w.box.left))
        role = cell_role(ordered) if ordered else None
        cells.append((role, ordered, strips[group[0]].left, strips[group[-1]].right))
    kinds = {role for role, *_ in cells if role is not None}
    if len(cells) > 2 and cells[-1][0] is None and not kinds & {"amount", "amount_with_vat"}:
        # An item table ends with its amount ("Subtotal", "Importe"): a last column whose
        # header went unread, in a header without one, is that.
        cells[-1] = ("amount", *cells[-1][1:])
        kinds.add("amount")
    if "description" not in kinds or len(kinds & {"quantity", "unit_price", "amount",
                                                  "amount_with_vat"}) < 2:
        return None
    seen: set[str] = set()
    columns: list[Column] = []
    merged: list[Strip] = []
    for position, (role, cell_words, left, right) in enumerate(cells):
        start = 0 if position == 0 else (cells[position - 1][3] + left) // 2
        end = (right + cells[position + 1][2]) // 2 if position + 1 < len(cells) else 10**6
        name = role if role is not None and role not in seen else "other"
        seen.add(name)
        text = _union(cell_words)
        columns.append(Column(name, start, end, text.left if text else 0,
                              text.right if text else 0))
        merged.append(Strip(left, right, name in NUMERIC_ROLES))
    return columns, merged


def _one_header_cell(left: Sequence[Word], right: Sequence[Word], text_height: float) -> bool:
    """Whether the words over two neighbouring strips are one header cell, a word space
    apart: "P" "Unitario" or "P." "Unitario" over a price the gutters split at its
    thousands dot ("8" "962,50") — a word that names nothing beside one that does, or two
    that name the same."""
    roles = cell_role(left), cell_role(right)
    if roles.count(None) != 1 and (roles[0] is None or roles[0] != roles[1]):
        return False
    last = max(left, key=lambda w: w.box.right)
    first = min(right, key=lambda w: w.box.left)
    same_line = min(last.box.bottom, first.box.bottom) > max(last.box.top, first.box.top)
    return same_line and first.box.left - last.box.right <= text_height


def _union(words: Sequence[Word]) -> Box | None:
    if not words:
        return None
    box = words[0].box
    for word in words[1:]:
        box = box.union(word.box)
    return box
