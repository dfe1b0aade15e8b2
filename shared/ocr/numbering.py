"""The document's own identifiers in its header: point of sale and number, issue date, CAE.

Each is looked for by its label, with the value after it on the same row or, when the
label stands alone, in the row just above or below it, under the label (layouts that
print ``00012  07562755`` over ``Punto de Venta:  Comp. Nro:``). Every place the value
is printed is a candidate, and the candidates must agree: a number printed twice with
two different readings, or an issue date that is not a few days before the CAE's due
date, is refused (None) rather than guessed. Pure: phrases in, values out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from shared.ocr.model import Box
from shared.ocr.numbers_ar import DATE_PATTERN, date_of
from shared.ocr.phrases import Phrase

#: The issue date comes this many days before the CAE's due date at most (AFIP grants
#: the CAE for ten days from its request; the invoice may be dated up to ten days
#: before the request for services, five for goods), and never after it (some
#: documents print the same day for both).
MAX_DAYS_BEFORE_CAE_DUE = 30
#: Highest point of sale and number AFIP issues.
MAX_POINT_OF_SALE = 99_999
MAX_NUMBER = 99_999_999

_LABELED_POS = re.compile(r"(?:P(?:UNTO)?\.?\s?(?:DE\s)?V(?:EN)?TA|P\.\s?V)\.?\s?"
                          r"(?:N[°ºO*]?\.?)?\s?:?\s?([0-9]{1,5})?(?![0-9])")
#: (a label word: not the "NO" inside "MONOTRIBUTO")
_LABELED_NUMBER = re.compile(r"(?<![A-Z])(?:COMP(?:ROBANTE)?\.?\s?)?"
                             r"(?:NRO|NUMERO|NUM|N[°ºO*”\"?])\.?\s?:?\s?([0-9]{1,8})?(?![0-9])")
#: ``N° 0007 00003184``, ``Nro: 0008 00006491``, ``N°000800059501`` (and "°" read as
#: "2", "*" or "?"): the point of sale and number after an N° sign, with or without a dash.
_AFTER_SIGN = re.compile(r"(?<![A-Z])(?:NRO|NUMERO|N)\s?[°º*?2\"”]?\.?\s?:?\s?([0-9]{4,5})\s?-?\s?"
                         r"([0-9]{8})(?![0-9])")
_DASHED_NUMBER = re.compile(r"(?<![0-9-])([0-9]{4,5})\s?-\s?([0-9]{8})(?![0-9])")
_LETTER_NUMBER = re.compile(r"(?<![A-Z0-9])([ABCM])\s?([0-9]{12,13})(?![0-9])")
_ASSOCIATED = ("ASOC", "REFIERE", "REF.", "ANULA", "SEGUN", "SEGÚN", "REMITO")
_DATE_EXCLUDED = ("VTO", "VENC", "INICIO", "INI ", "ACTIV", "DESDE", "HASTA", "PERIODO",
                  "PAGO", "NAC")
#: A date whose separator between day and month (or month and year) OCR dropped:
#: ``2101/2026``. Read only right after a ``Fecha`` label.
_RUN_DATE = re.compile(r"(?<![0-9])([0-3][0-9])([/.-]?)([01][0-9])([/.-]?)((?:19|20)[0-9]{2})"
                       r"(?![0-9])")
#: Day and month read, the year not (``07/03/zuz0``): the CAE's due date tells it.
_GARBLED_YEAR = re.compile(r"([0-3]?[0-9])/([01]?[0-9])/(?![0-9]{2,4}(?![0-9A-Z]))[0-9A-Z]{2,4}"
                           r"(?![0-9A-Z])")
_CAE_DUE = re.compile(r"(?:V[TI1L][O0]|VENC)[A-Z]*\.?\s?(?:DEL?\s)?(?:C\.?\s?A\.?\s?E|CAE)")
_CAE_LABEL = re.compile(r"C\.?\s?A\.?\s?E\.?(?![A-Z])|CAEN")
_CAE = re.compile(r"(?:C\.?\s?A\.?\s?E\.?|CAE)\s?(?:N[^\s0-9]{0,2}|NRO\.?|NUMERO)?\s?:?\s?"
                  r"([0-9](?:\s?[0-9]){13})(?![0-9])")
_FOURTEEN = re.compile(r"(?<![0-9])([0-9]{14})(?![0-9])")
#: A CAE after its label with at most two short non-digit words between them.
_NEAR_FOURTEEN = re.compile(r"[^\s0-9]*(?:\s+[^\s0-9]{1,4}){0,2}\s*([0-9]{14})(?![0-9])")


@dataclass(frozen=True, slots=True)
class Spot:
    """Where a value was read: characters ``start:end`` of ``phrase``."""

    phrase: Phrase
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class DocumentNumber:
    point_of_sale: int
    number: int
    pos_spot: Spot
    number_spot: Spot
    labeled: bool


def read_document_number(header: Sequence[Phrase],
                         problems: list[str]) -> DocumentNumber | None:
    """Point of sale and number of the document (not of one it refers to)."""
    rows = [p for p in header if not any(word in p.folded for word in _ASSOCIATED)]
    labeled = _labeled_numbers(rows)
    printed = _printed_numbers(rows)
    candidates = labeled or printed
    if not candidates:
        return None
    first = candidates[0]
    # The same point of sale printed with another number: one of them is misread.
    for other in [*labeled, *printed]:
        if other.point_of_sale == first.point_of_sale and other.number != first.number:
            problems.append(f"the document number reads both {first.number} and "
                            f"{other.number}: number not read")
            return None
        if other.number == first.number and other.point_of_sale != first.point_of_sale:
            problems.append("the point of sale reads two ways: number not read")
            return None
    return first


def _labeled_numbers(rows: Sequence[Phrase]) -> list[DocumentNumber]:
    found = []
    for index, phrase in enumerate(rows):
        pos = _LABELED_POS.search(phrase.folded)
        if pos is None:
            continue
        if pos[1] is not None:
            pos_value, pos_spot = int(pos[1]), Spot(phrase, pos.start(1), pos.end(1))
        else:
            aligned = _aligned_digits(phrase, pos.start(), pos.end(), rows, 5)
            if aligned is None:
                continue
            pos_value, pos_spot = aligned
        # "Comp. Nro" follows on the same row or on one of the next rows.
        height = phrase.box.height
        following = [(phrase, pos.end())] + [
            (other, 0) for other in rows[index + 1:]
            if 0 <= other.top - phrase.top <= 3 * height]
        for other, offset in following:
            number = _LABELED_NUMBER.search(other.folded, offset)
            if number is None:
                continue
            if number[1] is not None:
                if number[1].startswith("0") and len(number[1]) != 8:
                    break  # printed zero-padded to eight digits: some went unread
                value, spot = int(number[1]), Spot(other, number.start(1), number.end(1))
            else:
                aligned = _aligned_digits(other, number.start(), number.end(), rows, 8)
                if aligned is None:
                    continue
                value, spot = aligned
            if _plausible(pos_value, value):
                found.append(DocumentNumber(pos_value, value, pos_spot, spot, True))
            break
    return found


def _printed_numbers(rows: Sequence[Phrase]) -> list[DocumentNumber]:
    found = []
    for pattern in (_AFTER_SIGN, _DASHED_NUMBER, _LETTER_NUMBER):
        for phrase in rows:
            for match in pattern.finditer(phrase.folded):
                if pattern is _LETTER_NUMBER:
                    digits = match[2]
                    pos_text, number_text = digits[:-8], digits[-8:]
                    spot = Spot(phrase, match.start(2), match.end(2))
                else:
                    pos_text, number_text = match[1], match[2]
                    spot = Spot(phrase, match.start(1), match.end(2))
                if _plausible(int(pos_text), int(number_text)):
                    found.append(DocumentNumber(int(pos_text), int(number_text), spot, spot,
                                                False))
    return found


def _plausible(point_of_sale: int, number: int) -> bool:
    return 1 <= point_of_sale <= MAX_POINT_OF_SALE and 1 <= number <= MAX_NUMBER


def _aligned_digits(phrase: Phrase, start: int, end: int, rows: Sequence[Phrase],
                    max_digits: int) -> tuple[int, Spot] | None:
    """A lone number printed just above or below a label that has none after it."""
    rest = phrase.text[end:].strip(" :")
    if rest and rest[0].isdigit():
        return None  # a value is there, only not the kind the label wants
    label = phrase.box_of(start, end)
    beside = _next_word_right(label, rows)
    if beside is not None:
        token = beside.phrase.text[beside.start:beside.end].strip(":.")
        if token.isdigit() and len(token) <= max_digits:
            return int(token), beside
    best: tuple[int, int, Spot] | None = None
    for other in rows:
        if other is phrase:
            continue
        gap = max(label.top - other.box.bottom, other.top - label.bottom)
        if gap < -label.height // 2 or gap > 1.5 * label.height:
            continue
        for word, (s, e) in zip(other.words, other.spans, strict=True):
            token = other.text[s:e].strip(":.")
            centre = (word.box.left + word.box.right) / 2
            if not (token.isdigit() and 1 <= len(token) <= max_digits):
                continue
            if label.left - label.height <= centre <= label.right + label.height and \
                    (best is None or gap < best[0]):
                best = (gap, int(token), Spot(other, s, e))
    return None if best is None else (best[1], best[2])


def _next_word_right(label: Box, rows: Sequence[Phrase]) -> Spot | None:
    """The nearest word level with ``label`` and right of it, in any row (Tesseract
    sometimes puts a value in the row of a taller neighbour), if it is close."""
    best: tuple[int, Spot] | None = None
    for other in rows:
        for word, (s, e) in zip(other.words, other.spans, strict=True):
            overlap = min(word.box.bottom, label.bottom) - max(word.box.top, label.top)
            if overlap < label.height / 2 or word.box.left < label.right - 2:
                continue
            if best is None or word.box.left < best[0]:
                best = (word.box.left, Spot(other, s, e))
    if best is None or best[0] - label.right > 4 * label.height:
        return None
    return best[1]


# --- dates ---------------------------------------------------------------------------------


def read_cae(phrases: Sequence[Phrase]) -> tuple[str, Spot] | None:
    """The CAE (14 digits) after its label, or level with a label that stands alone."""
    for phrase in phrases:
        match = _CAE.search(phrase.folded)
        if match:
            return re.sub(r"\s", "", match[1]), Spot(phrase, match.start(1), match.end(1))
    # The label and the number sometimes land on two rows (a shaded label box): take a
    # lone 14-digit number printed level with a "CAE" label.
    for labeled in phrases:
        label = _CAE_LABEL.search(labeled.folded)
        if label is None or "VTO" in labeled.folded[label.end():label.end() + 4]:
            continue
        # specks read as short words between label and number: ``CAEN": AR NO: 8466…``
        after = _NEAR_FOURTEEN.match(labeled.text, label.end())
        if after:
            return after[1], Spot(labeled, after.start(1), after.end(1))
        box = labeled.box_of(label.start(), label.end())
        for phrase in phrases:
            if abs(phrase.box.top - box.top) > 1.5 * box.height or phrase is labeled:
                continue
            found = _FOURTEEN.search(phrase.text)
            if found:
                return found[1], Spot(phrase, found.start(1), found.end(1))
    return None


def read_cae_due(phrases: Sequence[Phrase]) -> date | None:
    """The CAE's due date (``Fecha de Vto. de CAE``), when one reading of it is printed."""
    found = set()
    for phrase in phrases:
        label = _CAE_DUE.search(phrase.folded)
        if label is None:
            continue
        match = DATE_PATTERN.search(phrase.text, label.end())
        value = date_of(match) if match else None
        if value is None:
            run = re.search(r"\s?:?\s?", phrase.text[label.end():])
            start = label.end() + (run.end() if run else 0)
            glued = _RUN_DATE.match(phrase.text, start)
            value = _run_date(glued) if glued is not None else None
        if value is not None:
            found.add(value)
    return found.pop() if len(found) == 1 else None


def read_issue_date(header: Sequence[Phrase], cae_due: date | None,
                    problems: list[str]) -> tuple[date, Spot] | None:
    """The issue date: labeled ``Fecha de Emisión`` best, ``Fecha`` next, unlabeled last.

    Due, activity and period dates are skipped; with the CAE's due date read, a date
    after it or more than ``MAX_DAYS_BEFORE_CAE_DUE`` days before it is refused.
    """
    ranked: list[tuple[int, date, Spot]] = []
    for phrase in header:
        for match in DATE_PATTERN.finditer(phrase.text):
            found = date_of(match)
            if found is None:
                continue
            before = phrase.folded[max(0, match.start() - 28):match.start()]
            label = before.rsplit("FECHA", 1)[-1] if "FECHA" in before else before[-14:]
            if any(word in label for word in _DATE_EXCLUDED):
                continue
            rank = 0 if "EMISION" in before else 1 if "FECHA" in before else 2
            ranked.append((rank, found, Spot(phrase, match.start(), match.end())))
        fecha = re.search(r"FECHA(?:\sDE)?(?:\sEMISION)?\s?:?\s?", phrase.folded)
        if fecha is not None:
            run = _RUN_DATE.match(phrase.text, fecha.end())
            found = _run_date(run) if run is not None and not (run[2] and run[4]) else None
            if run is not None and found is not None:
                rank = 0 if "EMISION" in fecha[0] else 1
                ranked.append((rank, found, Spot(phrase, run.start(), run.end())))
        if fecha is not None and cae_due is not None:
            garbled = _GARBLED_YEAR.match(phrase.folded, fecha.end())
            found = _year_from_due(garbled, cae_due) if garbled is not None else None
            if garbled is not None and found is not None:
                rank = 0 if "EMISION" in fecha[0] else 1
                ranked.append((rank, found, Spot(phrase, garbled.start(), garbled.end())))
    if cae_due is not None:
        fitting = [c for c in ranked
                   if 0 <= (cae_due - c[1]).days <= MAX_DAYS_BEFORE_CAE_DUE]
        if ranked and not fitting:
            problems.append(f"no issue date fits the CAE due date {cae_due}: date not read")
        ranked = fitting
    if not ranked:
        return None
    best_rank = min(rank for rank, *_ in ranked)
    best = [c for c in ranked if c[0] == best_rank]
    if len({found for _, found, _ in best}) > 1:
        problems.append("two different issue dates: date not read")
        return None
    return best[0][1], best[0][2]


def _run_date(run: re.Match[str]) -> date | None:
    try:
        return date(int(run[5]), int(run[3]), int(run[1]))
    except ValueError:
        return None


def _year_from_due(garbled: re.Match[str], due: date) -> date | None:
    """The only date with the day and month read that fits before the CAE's due date."""
    fitting = []
    for year in (due.year, due.year - 1):
        try:
            candidate = date(year, int(garbled[2]), int(garbled[1]))
        except ValueError:
            continue
        if 0 <= (due - candidate).days <= MAX_DAYS_BEFORE_CAE_DUE:
            fitting.append(candidate)
    return fitting[0] if len(fitting) == 1 else None
