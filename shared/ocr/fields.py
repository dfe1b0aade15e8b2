"""The header of an invoice, parsed from Tesseract's words (pure).

Everything here takes plain values (words with boxes, text) and returns plain values.
Document numbers ``Punto de Venta: 0003 Comp. Nro: 00001234``, ``N° 0003-00001234`` and
``A 000800059501``, CUITs (check digit validated), CAE (14 digits), the letter box and
``COD. 01``, the issue date and the supplier's name. Number formats are parsed in
``numbers_ar``; the totals block is read in ``totals``.

The page is read as regions: the *issuer* block on top (supplier name, CUIT, letter,
number, date), the *receiver* block that starts at the first row naming the customer
(``Señor(es)``, ``Cliente``, ``Apellido y Nombre``, ``DNI``) and whose CUIT is not the
supplier's, the item table, and the *totals* block below it. When a field cannot be
read safely it is None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import median

from shared.domain.enums import AFIP_DOCUMENT_TYPES, DocumentKind
from shared.ocr.model import Box, Word
from shared.ocr.names import read_supplier_name
from shared.ocr.numbering import (
    Spot,
    read_cae,
    read_cae_due,
    read_document_number,
    read_issue_date,
)
from shared.ocr.numbers_ar import (
    digitize,
    find_cuits,
    fold,
    parse_amount,
    parse_date,
    parse_quantity,
)
from shared.ocr.phrases import Phrase, split_at_gaps
from shared.ocr.totals import read_totals

__all__ = [
    "HeaderFields", "Phrase", "digitize", "fill_missing", "find_cuits", "fold", "parse_amount",
    "parse_date", "parse_quantity", "read_header", "split_at_gaps",
]


@dataclass(slots=True)
class HeaderFields:
    """What the printed text says; None where it could not be read safely."""

    supplier_cuit: str | None = None
    receiver_cuit: str | None = None
    supplier_name: str | None = None
    letter: str | None = None
    afip_code: int | None = None
    point_of_sale: int | None = None
    number: int | None = None
    cae_due: date | None = None  # "Fecha de Vto. de CAE": bounds the issue date
    date: date | None = None
    cae: str | None = None
    currency: str | None = None
    net: Decimal | None = None
    vat: Decimal | None = None
    total: Decimal | None = None
    subtotal: Decimal | None = None  # "Subtotal": the net on an A, the total on a B or C
    other_taxes: Decimal | None = None
    boxes: dict[str, Box] = field(default_factory=dict)
    word_confidence: dict[str, float] = field(default_factory=dict)  # OCR's own, 0–1
    cuit_labeled: bool = False  # the supplier CUIT sat next to a "CUIT" label
    problems: list[str] = field(default_factory=list)


_RECEIVER_LABELS = re.compile(
    r"\b(SENOR|SR\.?\s?\(?S\)?|SRES|SR\b|CLIENTE|RECEPTOR|COMPRADOR|DESTINATARIO|APELLIDO Y"
    r"|DNI\b|FACTURAR A|DATOS DEL CLIENTE"
    # the same labels as OCR often misreads them: "Señores" without its S and Ñ, "LI" as "U"
    r"|[A-Z]{0,3}[NR]ORES\s?:|CL?UENTE|CL[I1L]ENTE|C[HLIU1]{1,2}[EI]NTE\s?:)")
_CUIT_LABEL = re.compile(r"C\.?\s?U\.?\s?[I1L]\.?\s?[TL]\.?|CUIL")
_CODE = re.compile(r"\bC[O0]D(?:IGO)?\.?\s?(?:COMP(?:ROBANTE)?\.?)?\s?:?\s?N?[°ºO*]?\.?\s?"
                   r"([0-9]{1,3})\b")
_LETTER_TITLE = re.compile(r"(?:FACTURA|CREDITO|DEBITO)\s?[\"“”']?([ABCM])[\"“”']?(?![A-Z])")
_CREDIT = re.compile(r"NOTA\s?(?:DE\s)?CR[E3]D[I1L]T[O0]|N\.?\s?CREDITO")
_DEBIT = re.compile(r"NOTA\s?(?:DE\s)?D[E3]B[I1L]T[O0]|N\.?\s?DEBITO")
_INVOICE = re.compile(r"FACTURA")
_BY_KIND = {(AFIP_DOCUMENT_TYPES[code][0], AFIP_DOCUMENT_TYPES[code][1]): code
            for code in sorted(AFIP_DOCUMENT_TYPES, reverse=True)}


def read_header(
    rows: Sequence[Sequence[Word]], *, page_width: int, page_height: int,
    table_top: int | None = None, table_bottom: int | None = None,
    line_amounts: Sequence[Decimal | None] = (),
) -> HeaderFields:
    """Header and totals of one page from its rows (each a list of words, left to right).

    ``table_top``/``table_bottom`` are where the item table starts and ends when it was
    found: the header is above it and the totals below it; otherwise the header is the
    top 45 % of the page and the totals labels are looked for everywhere.
    ``line_amounts`` (the item table's) back the totals' arithmetic.
    """
    phrases = [Phrase(list(row)) for row in rows if row]
    header_limit = table_top if table_top is not None else int(page_height * 0.45)
    totals_start = table_bottom if table_bottom is not None else 0
    header = [p for p in phrases if p.top < header_limit]
    receiver_top = _receiver_top(header)
    issuer = [p for p in header if p.top < receiver_top]
    result = HeaderFields()
    _read_cuits(result, header, receiver_top)
    _read_type(result, issuer or header, header)
    _read_number(result, header)
    _read_date(result, header, phrases)
    _read_name(result, issuer, page_width)
    _read_cae(result, phrases)
    totals = read_totals([p for p in phrases if p.box.bottom > totals_start], line_amounts,
                         result.letter)
    result.net, result.vat, result.total = totals.net, totals.vat, totals.total
    result.subtotal, result.other_taxes = totals.subtotal, totals.other_taxes
    result.boxes.update(totals.boxes)
    result.word_confidence.update(totals.word_confidence)
    result.problems.extend(totals.problems)
    text = " ".join(p.folded for p in phrases)
    if re.search(r"U\$S|USD|DOLAR", text):
        result.currency = "DOL"
    elif "$" in text or "PESOS" in text:
        result.currency = "PES"
    return result


#: Fields that are read together: one reading's pair is never split.
_FIELD_GROUPS = (
    ("supplier_cuit", "cuit_labeled"), ("receiver_cuit",), ("supplier_name",),
    ("letter", "afip_code"), ("point_of_sale", "number"), ("date",), ("cae",),
    ("currency",), ("total", "net", "vat", "subtotal", "other_taxes"),
)
#: The highlight and confidence keys of each group's fields.
_FIELD_KEYS = {"supplier_cuit": "cuit", "afip_code": "type", "letter": "type"}


def fill_missing(first: HeaderFields, second: HeaderFields) -> None:
    """Fill ``first``'s unread fields from a second reading of the same page (a group
    such as point of sale and number, or the totals, is taken whole and only when the
    first reading has none of it, or only what the second agrees with: the letter ``B``
    without its code takes ``B`` and code 6). What the first found is never replaced."""
    for group in _FIELD_GROUPS:
        if any(getattr(first, name) not in (None, False, getattr(second, name))
               for name in group):
            continue
        if getattr(second, group[0]) is None:
            continue
        for name in group:
            setattr(first, name, getattr(second, name))
            key = _FIELD_KEYS.get(name, name)
            if key in second.boxes:
                first.boxes[key] = second.boxes[key]
            if key in second.word_confidence:
                first.word_confidence[key] = second.word_confidence[key]
    first.problems.extend(p for p in second.problems if p not in first.problems)


def _note(result: HeaderFields, name: str, phrase: Phrase, start: int, end: int) -> None:
    result.boxes[name] = phrase.box_of(start, end)
    result.word_confidence[name] = phrase.confidence_of(start, end)


def _receiver_top(header: Sequence[Phrase]) -> int:
    """Top of the first row that names the customer: the receiver block starts there."""
    for phrase in header:
        if _RECEIVER_LABELS.search(phrase.folded):
            return phrase.top
    return 10**9


def _read_cuits(result: HeaderFields, header: Sequence[Phrase], receiver_top: int) -> None:
    issuer: list[tuple[bool, str, Phrase, int, int]] = []
    receiver: list[str] = []
    for phrase in header:
        labeled = bool(_CUIT_LABEL.search(phrase.folded.replace(" ", "")))
        for digits, start, end in find_cuits(phrase.text):
            if phrase.top >= receiver_top:
                receiver.append(digits)
            else:
                issuer.append((labeled, digits, phrase, start, end))
    if receiver_top >= 10**9 and issuer and _lone_and_low(issuer, header):
        # No customer block found and one CUIT, right above the table: the customer's.
        receiver, issuer = [issuer[0][1]], []
    if receiver_top >= 10**9 and issuer:
        # No customer block found: the first CUIT is the issuer's, another one the receiver's.
        first = issuer[0][1]
        receiver = [c for _, c, *_ in issuer if c != first]
        issuer = [entry for entry in issuer if entry[1] == first]
    distinct = {digits for _, digits, *_ in issuer}
    if len(distinct) > 1:
        # Two different CUITs above the customer block: a labeled one wins if it is alone.
        labeled_cuits = {digits for flag, digits, *_ in issuer if flag}
        if len(labeled_cuits) == 1:
            issuer = [entry for entry in issuer if entry[1] in labeled_cuits]
        else:
            result.problems.append("several different CUITs in the issuer block")
            issuer = [issuer[0]]
    if issuer:
        labeled_flag, digits, phrase, start, end = issuer[0]
        result.supplier_cuit, result.cuit_labeled = digits, labeled_flag or any(
            flag for flag, *_ in issuer)
        _note(result, "cuit", phrase, start, end)
    others = [c for c in receiver if c != result.supplier_cuit]
    result.receiver_cuit = others[0] if others else None


def _lone_and_low(found: Sequence[tuple[bool, str, Phrase, int, int]],
                  header: Sequence[Phrase]) -> bool:
    """One CUIT only, in the lowest third of the header: where the customer block is
    (its label unread), never the issuer's."""
    if len({digits for _, digits, *_ in found}) != 1:
        return False
    top = min(p.top for p in header)
    bottom = max(p.box.bottom for p in header)
    return all(phrase.top > top + (bottom - top) * 2 / 3 for _, _, phrase, *_ in found)


def _read_type(result: HeaderFields, issuer: Sequence[Phrase], header: Sequence[Phrase]) -> None:
    code: int | None = None
    letter: str | None = None
    kind: DocumentKind | None = None
    heights = [w.box.height for p in header for w in p.words] or [1]
    typical = median(heights)
    for phrase in issuer:
        if code is None:
            for match in _CODE.finditer(phrase.folded):
                if int(match[1]) in AFIP_DOCUMENT_TYPES:
                    code = int(match[1])
                    _note(result, "type", phrase, match.start(), match.end())
                    break
        if letter is None:
            letter = _letter_box(result, phrase, typical)
        if letter is None:
            title = _LETTER_TITLE.search(phrase.folded)
            if title:
                letter = title[1]
                result.boxes.setdefault("type", phrase.box_of(title.start(1), title.end(1)))
    titles = " ".join(p.folded for p in issuer)
    if _CREDIT.search(titles):
        kind = DocumentKind.CREDIT_NOTE
    elif _DEBIT.search(titles):
        kind = DocumentKind.DEBIT_NOTE
    elif _INVOICE.search(titles):
        kind = DocumentKind.INVOICE
    if code is not None:
        code_letter, code_kind = AFIP_DOCUMENT_TYPES[code]
        if letter is not None and letter != code_letter:
            result.problems.append(f"letter box {letter} does not match code {code:02d}")
            return
        if kind is not None and kind is not code_kind:
            result.problems.append(
                f"title says {kind.value} but code {code:02d} is {code_kind.value}")
            return
        result.letter, result.afip_code = code_letter, code
        return
    result.letter = letter
    if letter is not None and kind is not None:
        result.afip_code = _BY_KIND.get((letter, kind))


def _letter_box(result: HeaderFields, phrase: Phrase, typical: float) -> str | None:
    """A big single letter (the box at the top centre of every AFIP document)."""
    for word in phrase.words:
        text = fold(word.text).strip("\"'“”|[]()_.,-—–~")
        if len(text) == 1 and text in "ABCM" and word.box.height >= 1.6 * typical:
            result.boxes.setdefault("type", word.box)
            result.word_confidence.setdefault("type", word.confidence / 100)
            return text
    return None


def _read_number(result: HeaderFields, header: Sequence[Phrase]) -> None:
    found = read_document_number(header, result.problems)
    if found is not None:
        result.point_of_sale, result.number = found.point_of_sale, found.number
        _note(result, "point_of_sale", *_at(found.pos_spot))
        _note(result, "number", *_at(found.number_spot))


def _read_date(result: HeaderFields, header: Sequence[Phrase],
               phrases: Sequence[Phrase]) -> None:
    result.cae_due = read_cae_due(phrases)
    found = read_issue_date(header, result.cae_due, result.problems)
    if found is not None:
        result.date = found[0]
        _note(result, "date", *_at(found[1]))


def _at(spot: Spot) -> tuple[Phrase, int, int]:
    return spot.phrase, spot.start, spot.end


def _read_name(result: HeaderFields, issuer: Sequence[Phrase], page_width: int) -> None:
    found = read_supplier_name(issuer, page_width, result.supplier_cuit)
    if found is not None:
        result.supplier_name = found[0]
        if found[1] is not None:
            result.boxes["supplier_name"] = found[1]


def _read_cae(result: HeaderFields, phrases: Sequence[Phrase]) -> None:
    found = read_cae(phrases)
    if found is not None:
        result.cae = found[0]
        _note(result, "cae", *_at(found[1]))
