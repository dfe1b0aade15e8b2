"""The item table of an invoice, from Tesseract's words (pure: values in, values out).

Words are laid out into rows by how much their boxes overlap vertically. The table
is found by its header row (Código, Descripción, Cantidad, Precio Unit., Subtotal …);
the header's words give the columns, and each row below it, until the totals block,
is cut into cells by those columns. A line is checked with quantity × unit price ≈
amount (minus a bonificación when the table has one): the check may pick between two
readings of a cell or drop a misread one, but never invents a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from rapidfuzz import fuzz

from shared.domain.barcodes import gtin_check_digit
from shared.ocr.fields import fold, parse_amount, parse_quantity
from shared.ocr.line_figures import (
    check_line,
    figures_by_arithmetic,
    leading_parts,
    only_marks_put_back,
)
from shared.ocr.model import Box, ReadLine, Word

# --- rows ---------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """Words on one printed line, left to right."""

    words: list[Word] = field(default_factory=list)

    @property
    def box(self) -> Box:
        box = self.words[0].box
        for word in self.words[1:]:
            box = box.union(word.box)
        return box

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def height(self) -> float:
        return median(word.box.height for word in self.words)


def _overlap(a: Box, b: Box) -> float:
    """Vertical overlap of two boxes over the shorter one's height."""
    shared = min(a.bottom, b.bottom) - max(a.top, b.top)
    return shared / max(1, min(a.height, b.height))


def group_rows(words: Iterable[Word]) -> list[Row]:
    """Words grouped into rows (by vertical overlap), rows top to bottom, words left to right.

    A word joins the row whose vertical span overlaps it by at least half of the shorter
    height; a tall letter box or logo word does not swallow the small rows beside it.
    """
    rows: list[tuple[Box, list[Word]]] = []
    for word in sorted(words, key=lambda w: (w.box.top + w.box.bottom, w.box.left)):
        best, best_overlap = None, 0.5
        for index in range(len(rows) - 1, max(-1, len(rows) - 6), -1):
            box, members = rows[index]
            core = _row_core(members)
            score = _overlap(core, word.box)
            ratio = word.box.height / max(1, core.height)
            if score >= best_overlap and 0.4 <= ratio <= 2.5:
                best, best_overlap = index, score
        if best is None:
            rows.append((word.box, [word]))
        else:
            box, members = rows[best]
            members.append(word)
            rows[best] = (box.union(word.box), members)
    result = [Row(sorted(members, key=lambda w: w.box.left)) for _, members in rows]
    result.sort(key=lambda row: row.box.top + row.box.bottom)
    return result


def _row_core(members: list[Word]) -> Box:
    """The vertical span typical of a row: the median word's top and bottom."""
    tops = sorted(word.box.top for word in members)
    bottoms = sorted(word.box.bottom for word in members)
    top, bottom = tops[len(tops) // 2], bottoms[len(bottoms) // 2]
    left = min(word.box.left for word in members)
    right = max(word.box.right for word in members)
    return Box(left, top, right - left, max(1, bottom - top))


# --- the table ----------------------------------------------------------------------

#: Column roles and the header words (folded, prefixes) that announce them.
_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "code": ("CODIGO", "COD.", "COD", "ARTICULO", "ART.", "ART", "SKU", "ITEM", "REF"),
    "description": ("DESCRIPCION", "PRODUCTO", "DETALLE", "CONCEPTO", "DESCRIP"),
    "quantity": ("CANTIDAD", "CANT.", "CANT", "CANTID", "UNIDADES", "KG"),
    "unit_price": ("PRECIO", "P.UNIT", "P.UNIT.", "PX", "UNITARIO", "P/U", "PU", "P.", "UNIT.",
                   "UNITARIO", "P.UNITARIO"),
    "discount": ("BONIF", "%BONIF", "BONIF.", "DTO", "DTO.", "%DTO", "DESC", "DESC.", "DESCUENTO"),
    "discount_amount": ("IMP.BONIF", "IMP.BONIF."),
    "vat_rate": ("ALICUOTA", "ALIC", "ALIC.", "IVA", "%IVA"),
    "amount": ("SUBTOTAL", "IMPORTE", "TOTAL", "SUB", "SUB.TOTAL", "SUBTOT."),
    "unit": ("U.MEDIDA", "MEDIDA", "UNID.", "UNID", "U.M.", "UM"),
}
#: Rows that end the table: the totals block and the footers.
_END_WORDS = ("SUBTOTAL", "SUB TOTAL", "TOTAL", "NETO", "IMPORTE", "IVA", "SUMA", "SON PESOS",
              "CAE", "C.A.E", "TRANSPORTE", "OBSERVACIONES", "PERCEPCION", "OTROS TRIBUTOS",
              "DESCUENTO", "BONIFICACION GENERAL")
_DIGITS = re.compile(r"[0-9]+")
_AMOUNT_TOKEN = re.compile(r"^[-$(]*[0-9OolIS][0-9OolIS.,]*[)]?$")
#: How alike (rapidfuzz ratio) a misread header word must be to a known one.
_HEADER_SIMILARITY = 80


@dataclass(frozen=True, slots=True)
class Column:
    role: str
    left: int
    right: int
    #: Where the header cell's own words sit (0, 0 when unknown).
    text_left: int = 0
    text_right: int = 0

    @property
    def center(self) -> float:
        return (self.left + self.right) / 2


@dataclass(slots=True)
class Table:
    """The item table: its columns, its rows and where it sits on the page."""

    columns: list[Column]
    header: Row
    rows: list[Row]
    bottom: int  # first pixel row of what follows the table (the totals block)


def _word_role(text: str) -> str | None:
    # Table rules next to a header word come back glued to it: "[Detalle", "Precio]", "|U.".
    compact = fold(text).strip(":|—-[]!¡()_").replace(" ", "")
    for role, prefixes in _HEADER_WORDS.items():
        if compact in prefixes or (len(compact) >= 5 and any(
                compact.startswith(p) for p in prefixes if len(p) >= 5)):
            return role
    if len(compact) >= 6:
        # A long header word with one letter misread ("Cantina", "Produeto") is still
        # the only word of its kind in a header row.
        for role, prefixes in _HEADER_WORDS.items():
            if any(len(p) >= 6 and fuzz.ratio(compact, p) >= _HEADER_SIMILARITY
                   for p in prefixes):
                return role
    return None


def cell_role(words: Sequence[Word]) -> str | None:
    """The role of one header cell ("Precio Unit.", "Subtotal c/IVA", "% Bonif" …)."""
    text = fold(" ".join(w.text for w in words)).replace(" ", "")
    if "IMP.BONIF" in text or "IMPBONIF" in text:
        return "discount_amount"
    roles = [role for role in (_word_role(w.text) for w in words) if role is not None]
    if not roles:
        return None
    if "amount" in roles and ("C/IVA" in text or "CONIVA" in text or "C/I" in text):
        return "amount_with_vat"
    if "unit_price" in roles:
        return "unit_price"
    return roles[0]


def _header_cells(row: Row, below: Row | None) -> list[tuple[str | None, Box]]:
    """The header's cells, left to right, each with its role.

    Each word that names a role starts a cell unless the cell before it has the same
    role ("Precio" "Unit.", "Sub" "Total"); a word that names none ("/", "Servicio")
    joins the cell just before it. A second header row's words join the cell above them
    ("U." over "medida", "Subtotal" over "c/IVA").
    """
    words = [w for w in row.words if any(c.isalnum() for c in w.text)]
    if not words:
        return []
    height = median(w.box.height for w in words)
    cells: list[list[Word]] = []
    roles: list[str | None] = []
    for word in words:
        role = _word_role(word.text)
        gap = word.box.left - max(w.box.right for w in cells[-1]) if cells else 10**6
        joins = (role is None and gap <= 3 * height) or (gap <= 1.5 * height and (
            role == roles[-1] or (roles[-1] is None and
                                  fold(cells[-1][-1].text).startswith("IMP"))))
        if joins:
            cells[-1].append(word)
            if roles[-1] is None:
                roles[-1] = role
        else:
            cells.append([word])
            roles.append(role)
    for word in below.words if below is not None else []:
        if not any(c.isalnum() for c in word.text):
            continue
        target = next((cell for cell in cells if _x_overlap(cell, word.box)), None)
        if target is None:
            target = next((cell for cell in cells if 0 <= word.box.left - max(
                w.box.right for w in cell) <= 1.5 * height), None)
        if target is None:
            cells.append([word])
        else:
            target.append(word)
    cells.sort(key=lambda cell: min(w.box.left for w in cell))
    result: list[tuple[str | None, Box]] = []
    for cell in cells:
        box = cell[0].box
        for word in cell[1:]:
            box = box.union(word.box)
        result.append((cell_role(sorted(cell, key=lambda w: (w.box.top, w.box.left))), box))
    return result


def _x_overlap(cell: Sequence[Word], box: Box) -> bool:
    left = min(w.box.left for w in cell)
    right = max(w.box.right for w in cell)
    return min(right, box.right) - max(left, box.left) > 0


def find_header(rows: Sequence[Row], *, loose: bool = False
                ) -> tuple[int, list[Column]] | None:
    """The index of the table header's last row and its columns, or None (no table).

    A header names the description and at least two figures; ``loose`` also takes a row
    naming two figures, three columns, or the description and one more column (a header
    Tesseract half misread, to be read again from the pixels).
    """
    best: tuple[int, list[Column]] | None = None
    best_score = 0
    for index, row in enumerate(rows):
        below = rows[index + 1] if index + 1 < len(rows) else None
        if below is not None and (below.box.top - row.box.bottom > row.height or
                                  any(_AMOUNT_TOKEN.match(w.text) for w in below.words)):
            below = None
        cells = _header_cells(row, below)
        kinds = {role for role, _ in cells if role is not None}
        figures = kinds & {"quantity", "unit_price", "amount", "amount_with_vat"}
        strict = "description" in kinds and len(figures) >= 2
        if not strict and not (loose and (len(figures) >= 2 or len(kinds) >= 3 or (
                "description" in kinds and len(kinds) >= 2))):
            continue
        score = len(kinds) + (10 if strict else 0)
        if score > best_score:
            last = index + 1 if below is not None else index
            best_score, best = score, (last, _columns(cells))
    return best


def _columns(cells: list[tuple[str | None, Box]]) -> list[Column]:
    """Columns between the midpoints of neighbouring header cells; a role seen twice
    keeps its first cell (the second "Subtotal" is another figure)."""
    seen: set[str] = set()
    columns = []
    for position, (role, box) in enumerate(cells):
        left = 0 if position == 0 else (cells[position - 1][1].right + box.left) // 2
        right = (box.right + cells[position + 1][1].left) // 2 if position + 1 < len(cells) \
            else 10**6
        name = role if role is not None and role not in seen else "other"
        seen.add(name)
        columns.append(Column(name, left, right, box.left, box.right))
    return columns


def find_table(rows: Sequence[Row], *, header: tuple[Row, list[Column]] | None = None,
               loose: bool = False) -> Table | None:
    """The item table: header, then body rows until the totals block.

    The totals block starts at a row naming a total (Subtotal, Neto, IVA, Total, CAE …)
    or after a blank stretch much taller than a row (the empty rest of a ruled table).
    ``header`` is a header already read (its words and columns): the body is then the
    rows below its words. ``loose`` as in ``find_header``.
    """
    if header is not None:
        header_row, columns = header
        below = [row for row in rows if (row.box.top + row.box.bottom) / 2 > header_row.box.bottom]
        return _table_below(header_row, columns, below, rows)
    found = find_header(rows, loose=loose)
    if found is None:
        return None
    index, columns = found
    return _table_below(rows[index], columns, rows[index + 1:], rows)


def _table_below(header: Row, columns: list[Column], below: Sequence[Row],
                 rows: Sequence[Row]) -> Table:
    body: list[Row] = []
    bottom = rows[-1].box.bottom + 1
    previous = header
    for row in below:
        if _continues_header(row, header):
            continue  # "IVA" under "Alícuota", the second line of a wrapped header cell
        if _is_noise(row):
            continue  # paper texture or a stain read as letters
        gap = row.box.top - previous.box.bottom
        if _ends_table(row) or (body and gap > 6 * max(row.height, previous.height)):
            bottom = row.box.top
            break
        body.append(row)
        previous = row
    return Table(columns, header, body, bottom)


def _continues_header(row: Row, header: Row) -> bool:
    """A row of the header itself: level with it, or just under it without a figure."""
    if (row.box.top + row.box.bottom) / 2 <= header.box.bottom:
        return True
    return row.box.top - header.box.bottom < 0.5 * header.height and \
        not any(c.isdigit() for c in row.text)


def _is_noise(row: Row) -> bool:
    """Letters Tesseract saw in the paper texture: unsure, short, no figure among them."""
    words = row.words
    if any(_DIGITS.search(w.text) and w.confidence >= 50 for w in words):
        return False
    mean = sum(w.confidence for w in words) / len(words)
    short = sum(1 for w in words if len(w.text.strip(".,;:|")) <= 2) / len(words)
    return mean < 50 or (short > 0.5 and mean < 75)


def _ends_table(row: Row) -> bool:
    text = fold(row.text)
    if any(text.startswith(word) for word in _END_WORDS):
        return True
    words = {fold(word.text).strip(":.$") for word in row.words}
    return bool(words & {"SUBTOTAL", "TOTAL", "NETO", "CAE", "C.A.E", "GRAVADO"})


#: Column roles whose cells hold only figures.
NUMERIC_ROLES = frozenset({"quantity", "unit_price", "discount", "discount_amount", "vat_rate",
                           "amount", "amount_with_vat"})


# --- the rows of the table -------------------------------------------------------------


def _cells(row: Row, columns: Sequence[Column]) -> dict[str, list[Word]]:
    cells: dict[str, list[Word]] = {}
    for word in row.words:
        center = (word.box.left + word.box.right) / 2
        column = next((c for c in columns if c.left <= center < c.right), columns[-1])
        cells.setdefault(column.role, []).append(word)
    return cells


def read_lines(rows: Sequence[Row], *, header: tuple[Row, list[Column]] | None = None
               ) -> tuple[list[ReadLine], Table | None]:
    """Every item line of the table in ``rows``, and the table (None when not found);
    ``header`` as in ``find_table``."""
    table = find_table(rows, header=header)
    if table is None:
        return [], None
    lines: list[ReadLine] = []
    for row in table.rows:
        line = _read_row(row, table.columns)
        if line is None:
            # A row without figures continues the description of the line above ("Virgen
            # 500 ml" under "Aceite de Oliva Extra": numbers, but only in the description).
            if lines and row.words and (_is_text(row) or set(_cells(row, table.columns)) ==
                                        {"description"}):
                previous = lines[-1]
                extra = " ".join(w.text for w in row.words)
                previous.description = f"{previous.description or ''} {extra}".strip()
                if previous.box is not None:
                    previous.box = previous.box.union(row.box)
            continue
        lines.append(line)
    return lines, table


def _is_text(row: Row) -> bool:
    return not any(_AMOUNT_TOKEN.match(word.text) and _DIGITS.search(word.text)
                   for word in row.words[-2:])


def _read_row(row: Row, columns: Sequence[Column]) -> ReadLine | None:
    cells = _cells(row, columns)
    amounts = _money_candidates(cells.get("amount"))
    prices = _money_candidates(cells.get("unit_price"))
    if not amounts and not prices:
        return None
    quantity = _quantity_cell(cells.get("quantity"))
    discount = _percent_cell(cells.get("discount"))
    code_words = cells.get("code", [])
    description_words = _description_words(row, cells)
    code = " ".join(w.text for w in code_words) or None
    description = " ".join(w.text for w in description_words) or None
    ean = _ean(code_words + description_words)
    checked = False
    values: tuple[Decimal | None, Decimal | None, Decimal | None] = (
        quantity, prices[0] if len(prices) == 1 else None,
        amounts[-1] if len(amounts) == 1 else None)
    # Several figures in one cell (a column the header did not name spilled into it):
    # the pair that multiplies out is the line; if none does, the cell stays unread.
    price_options: list[Decimal | None] = list(prices) or [None]
    amount_options: list[Decimal | None] = list(amounts) or [None]
    implied: tuple[Decimal | None, Decimal | None, Decimal | None] | None = None
    for price in price_options:
        for amount_option in amount_options:
            q, p, a, ok = check_line(quantity, price, amount_option, discount)
            if ok and only_marks_put_back((quantity, price, amount_option), (q, p, a)):
                values, checked = (q, p, a), True
                break
            if ok and implied is None:
                implied = q, p, a  # a cell taken from the division: the last resort
        if checked:
            break
    if not checked and quantity is not None:
        # A quantity run together with the next column ("12 46472" read as one word,
        # "3,801 13118" as "3,80113118"): the leading digits that make the line agree.
        # First as read; then, for a part that keeps the quantity's decimal comma
        # ("10,00" of "10,00743"), with the price or the amount mended by the arithmetic
        # (a digit misread), never the quantity itself.
        parts = leading_parts(quantity)
        marked = [part for part in parts if "." in format(part, "f")]
        for exact, glued_parts in ((True, parts), (False, marked)):
            agreeing = [
                (q, p, a) for glued in glued_parts for price in price_options
                for amount_option in amount_options
                if price is not None and amount_option is not None
                for q, p, a, ok in [check_line(glued, price, amount_option, discount)]
                if ok and q == glued and (not exact or (p, a) == (price, amount_option))]
            if agreeing:
                values, checked = agreeing[0], True
                break
    if not checked and quantity is None:
        # No quantity read where the header put it ("Cant." unread, so its column went
        # unnamed, or printed in the code's strip, "36 26475"): a number in a column
        # the header did not name, or a word of the code, that makes the line agree.
        for word, candidate in _unnamed_numbers(cells.get("other", []) + code_words):
            agreeing = [(candidate, p, a) for p in price_options for a in amount_options
                        if p is not None and a is not None and
                        check_line(candidate, p, a, discount) == (candidate, p, a, True)]
            if agreeing and (word not in code_words or len(code_words) > 1):
                values, checked = agreeing[0], True
                if word in code_words:
                    code = " ".join(w.text for w in code_words if w is not word)
                break
    if not checked:
        # The columns the header named do not multiply out as read: three figures of
        # the row that do, wherever they stand, before a value implied by division.
        found = figures_by_arithmetic(
            _row_figures(row, code_words + description_words), values, discount)
        if found is not None or implied is not None:
            values, checked = found or implied, True  # type: ignore[assignment]
    if not checked and len(prices) <= 1 and len(amounts) <= 1:
        q, p, a, _ = check_line(*values, discount)
        values = (q, p, a)
    quantity, unit_price, line_amount = values
    confidence = min((w.confidence for w in row.words), default=0.0) / 100
    vat_rate = _percent_cell(cells.get("vat_rate"))
    return ReadLine(code=code, description=description, quantity=quantity,
                    unit_price=unit_price, amount=line_amount, vat_rate=vat_rate, ean=ean,
                    box=row.box, confidence=round(min(1.0, confidence + (0.2 if checked else 0)),
                                                  2))


def _unnamed_numbers(words: Sequence[Word]) -> list[tuple[Word, Decimal]]:
    """The words that read as a quantity, left to right, with it."""
    found = []
    for word in sorted(words, key=lambda w: w.box.left):
        value = quantity_of([word])
        if value is not None and value > 0:
            found.append((word, value))
    return found


def _row_figures(row: Row, text_words: Sequence[Word]) -> list[list[Decimal]]:
    """The readings of each figure on the row right of its code and description, left
    to right: a group of glued words as one amount, or as one quantity (rates skipped)."""
    start = max((w.box.right for w in text_words), default=row.box.left)
    words = [w for w in row.words if w.box.left >= start and _DIGITS.search(w.text)]
    figures: list[list[Decimal]] = []
    for group in _glued(words):
        text = "".join(w.text for w in group)
        if "%" in text:
            continue
        values = [v for v in (parse_amount(text), parse_quantity(text)) if v is not None]
        if values:
            figures.append(list(dict.fromkeys(values)))
    return figures


def _description_words(row: Row, cells: dict[str, list[Word]]) -> list[Word]:
    """The description cell's words, and the words after it that run on at a word
    space's distance (a description printed past where the header's midpoints put the
    column: "Aerosol 360 ml" over "Cantidad"), except a figure column's own value."""
    words = sorted(cells.get("description", []), key=lambda w: w.box.left)
    if not words:
        return words
    values = {id(w) for role in NUMERIC_ROLES for w in _value_words(cells.get(role))}
    spacing = 1.2 * row.height
    for word in row.words:
        if word.box.left <= words[-1].box.left or id(word) in values or word in words:
            continue
        if word.box.left - words[-1].box.right > spacing:
            break
        words.append(word)
    return words


def _value_words(words: list[Word] | None) -> list[Word]:
    """The words of a figure cell that hold its value: the rightmost number and what is
    glued to it ("$ 1.234,56")."""
    numbers = [w for w in words or [] if _DIGITS.search(w.text)]
    if not numbers:
        return []
    last = max(numbers, key=lambda w: w.box.right)
    return [w for w in numbers if w is last or last.box.left - w.box.right < 0.6 * w.box.height]


def _money_candidates(words: list[Word] | None) -> list[Decimal]:
    """Every amount a cell holds ("$ 1.234,56" counts once)."""
    if not words:
        return []
    groups = _glued(words)
    whole = parse_amount("".join(w.text for w in words)) if len(groups) == 1 else None
    if whole is not None:
        return [whole]
    found: list[Decimal] = []
    for group in groups:
        text = "".join(w.text for w in group)
        if "%" in text:
            continue
        value = parse_amount(text)
        if value is None and len(group) > 1:
            # Not one figure after all: each word on its own.
            found.extend(v for v in (parse_amount(w.text) for w in group) if v is not None)
        elif value is not None:
            found.append(value)
    return found


def _glued(words: Sequence[Word]) -> list[list[Word]]:
    """Words left to right in groups closer than a narrow space: a monospaced font
    leaves a gap at the decimal comma that Tesseract takes for a word break
    ("1311," "17")."""
    groups: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.box.left):
        if groups and word.box.left - groups[-1][-1].box.right < 0.5 * word.box.height:
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def _quantity_cell(words: list[Word] | None) -> Decimal | None:
    """The rightmost number of the cell (quantities are right-aligned; a description
    running into the column leaves its own numbers to the left)."""
    for word in sorted(words or [], key=lambda w: -w.box.right):
        value = parse_quantity(word.text)
        if value is not None:
            return value
    return None


def _percent_cell(words: list[Word] | None) -> Decimal | None:
    if not words:
        return None
    text = "".join(w.text for w in words).replace("%", "")
    return parse_quantity(text)


def _ean(words: Sequence[Word]) -> str | None:
    for word in words:
        digits = word.text.strip(".,;:()")
        if len(digits) == 13 and digits.isascii() and digits.isdigit() and \
                gtin_check_digit(digits[:12]) == int(digits[12]):
            return digits
    return None


def quantity_of(words: Sequence[Word]) -> Decimal | None:
    """The quantity a cell's words hold (its rightmost number), or None."""
    return _quantity_cell(list(words))


def amounts_of(words: Sequence[Word]) -> list[Decimal]:
    """Every amount a cell's words hold."""
    return _money_candidates(list(words))
