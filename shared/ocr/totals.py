"""The totals block of an invoice, read label by label and checked by its arithmetic (pure).

Labels (``Importe Neto Gravado``, ``Subtotal``, ``IVA 21%``, ``IVA 10,5%``, ``Importe Otros
Tributos``, ``Percepción …``, ``Importe Total``, ``TOTAL $``) take the first amount after
them on the same row; failing that, an amount level with the label to its right (a row
Tesseract split in two) or just under it (labels over their values). Every reading is
kept as a candidate; the figures are then chosen so that they agree: net + VAT + other
taxes = total, and the line amounts add up to the net or the total. A total that two
readings contradict and nothing supports is dropped (None), never reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from shared.ocr.model import Box
from shared.ocr.numbers_ar import parse_amount, parse_quantity
from shared.ocr.phrases import Phrase

#: Two amounts within this many pesos are the same figure (per-rate rounding).
TOLERANCE = Decimal("0.05")
#: A total no other figure backs is taken only when OCR was at least this sure of it (0–1).
MIN_UNBACKED_CONFIDENCE = 0.5
#: … and at least this sure when the net and VAT read do not add up to it (one of the
#: three is misread; a crisp total is the likelier to be right).
MIN_CONTRADICTED_CONFIDENCE = 0.8
#: A total under this share of the net, subtotal or VAT read is another figure under a
#: "total" label ("Cantidad total: 1,00"), not the invoice's total.
FLOOR_SHARE = Decimal("0.9")

_NUMBER_CHARS = re.compile(r"[0-9.,]")
_PIECE = re.compile(r"[0-9.,]*[0-9][0-9.,]*")
_TOTAL_EXCLUDED = ("SUBTOTAL", "SUB TOTAL", "CANTIDAD", "TOTAL IVA", "OTROS", "TRIBUTOS",
                   "PERCEP", "BONIF", "DESC", "ITEMS", "UNIDADES", "BULTOS", "PAGINA",
                   "C/IVA", "C/ IVA")
_NET = re.compile(r"(?:IMPORTE\s)?NETO(?:\sGRAVADO)?|SUBT[O0U]TAL|SUB T[O0U]TAL")
_VAT = re.compile(r"(?<![A-Z])(?:[IL1]\.?V\.?A\.?)(?:\s?(?:INSCRIPTO|CONTENIDO|DISCRIMINADO))?\s?"
                  r"([0-9]{1,2}(?:[.,][0-9]{1,2})?)?\s?%?")
_VAT_EXCLUDED = ("OTROS", "RESPONSABLE", "CONDICION", "FRENTE", "DETALLE", "EXENTO", "ALICUOTA",
                 "C/IVA", "S/IVA")
_OTHER_TAX = re.compile(r"PERCEPCION|PERCEP\.|OTROS TRIBUTOS|IMPUESTOS INTERNOS|IMP\. INTERNOS")
#: VAT rates an Argentine invoice can print (percent).
_VAT_RATES = {Decimal(r) for r in ("0", "2.5", "5", "10.5", "21", "27")}


@dataclass(slots=True)
class Totals:
    """The figures of the totals block; None where they could not be read safely."""

    net: Decimal | None = None
    vat: Decimal | None = None
    total: Decimal | None = None
    subtotal: Decimal | None = None  # "Subtotal": the net on an A, the total on a B or C
    other_taxes: Decimal | None = None
    boxes: dict[str, Box] = field(default_factory=dict)
    word_confidence: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Found:
    value: Decimal
    box: Box
    confidence: float


def read_totals(phrases: Sequence[Phrase], line_amounts: Sequence[Decimal | None] = (),
                letter: str | None = None) -> Totals:
    """The totals of the rows ``phrases`` (below the item table when it was found).

    ``line_amounts`` are the item table's amounts, when read: their sum backs the net
    (or, with no VAT discriminated, the total). ``letter`` is the document's (A, B, C,
    M) when read: on an A or M the subtotal is the net, never the total.
    """
    totals: list[_Found] = []
    nets: list[_Found] = []
    subtotals: list[_Found] = []
    vat_rated: dict[Decimal, _Found] = {}
    vat_plain: list[_Found] = []
    others: list[_Found] = []
    for phrase in phrases:
        text = phrase.folded
        for match in re.finditer(r"(?<![A-Z])TOTAL", text):
            before = text[max(0, match.start() - 9):match.start()]
            context = before + "TOTAL" + text[match.end():match.end() + 10]
            if any(word in context for word in _TOTAL_EXCLUDED) or before.endswith("SUB"):
                continue
            found = _value_of(phrase, match.start(), match.end(), phrases)
            if found is not None:
                totals.append(found)
        for match in _NET.finditer(text):
            if re.match(r"\s?(EXENTO|NO GRAVADO)", text[match.end():]) or \
                    text[max(0, match.start() - 3):match.start()] == "NO ":
                continue
            found = _value_of(phrase, match.start(), match.end(), phrases)
            if found is not None:
                (nets if "NETO" in match[0] else subtotals).append(found)
        for match in _VAT.finditer(text):
            around = text[max(0, match.start() - 12):match.end() + 12]
            if any(word in around for word in _VAT_EXCLUDED):
                continue
            found = _value_of(phrase, match.start(), match.end(), phrases)
            if found is None:
                continue
            rate = parse_quantity(match[1]) if match[1] else None
            if rate is not None and rate in _VAT_RATES:
                vat_rated.setdefault(rate, found)
            elif not match[1]:
                vat_plain.append(found)
        other = _OTHER_TAX.search(text)
        if other is not None:
            found = _value_of(phrase, other.start(), other.end(), phrases)
            if found is not None:
                others.append(found)
    if letter is None and any("CONTENIDO" in p.folded for p in phrases):
        letter = "B"  # "IVA contenido" (Ley 27.743) is printed on B and C documents only
    return _choose(totals, nets, subtotals, vat_rated, vat_plain, others, line_amounts,
                   letter)


def _choose(totals: list[_Found], nets: list[_Found], subtotals: list[_Found],
            vat_rated: dict[Decimal, _Found], vat_plain: list[_Found], others: list[_Found],
            line_amounts: Sequence[Decimal | None], letter: str | None) -> Totals:
    result = Totals()
    if nets:
        result.net = nets[0].value
        result.boxes["net"] = nets[0].box
    if subtotals:
        result.subtotal = subtotals[0].value
    if vat_rated and any(f.value for f in vat_rated.values()):
        result.vat = sum((f.value for f in vat_rated.values()), Decimal(0))
    elif vat_plain:
        result.vat = vat_plain[0].value
    elif vat_rated:
        result.vat = Decimal("0.00")
    vat_boxes = [f.box for f in vat_rated.values() if f.value] or [f.box for f in vat_plain]
    if vat_boxes:
        result.boxes["vat"] = vat_boxes[0]
    other = sum((f.value for f in others), Decimal(0))
    result.other_taxes = other if other else None
    lines_sum = (sum((a for a in line_amounts if a is not None), Decimal(0))
                 if line_amounts and all(a is not None for a in line_amounts) else None)
    rates = [rate for rate, found in vat_rated.items() if found.value]
    chosen = _choose_total(totals, result, lines_sum, letter,
                           rates[0] if len(rates) == 1 else None)
    if chosen is not None:
        result.total = chosen.value
        result.boxes["total"] = chosen.box
        result.word_confidence["total"] = chosen.confidence
    return result


def _choose_total(totals: list[_Found], result: Totals, lines_sum: Decimal | None,
                  letter: str | None, vat_rate: Decimal | None) -> _Found | None:
    """The total the other figures back; failing that, the one total printed, if OCR
    was sure of it and no figure read contradicts it.

    A total nothing backs is not taken below the net, the subtotal or the VAT read.
    """
    if not totals:
        return None
    others = result.other_taxes or Decimal(0)
    backing: list[Decimal] = []
    for net in (result.net, result.subtotal if letter in ("A", "M", None) else None):
        if net is not None and result.vat is not None:
            backing.append(net + result.vat + others)
    vat_free = not result.vat
    if result.subtotal is not None and (letter in ("B", "C") or (letter is None and vat_free)):
        backing.append(result.subtotal)  # a B or C: the subtotal is the total
    if lines_sum is not None:
        backing.append(lines_sum)
        if result.vat is not None:
            backing.append(lines_sum + result.vat + others)
    if vat_rate and result.vat:
        # One rate: the net is the VAT over the rate, to a cent or two of rounding.
        backing.append(result.vat * 100 / vat_rate + result.vat + others)

    def support(found: _Found) -> int:
        return sum(1 for value in backing if abs(value - found.value) <= _slack(value))

    ranked = sorted(enumerate(totals), key=lambda pair: (support(pair[1]), pair[0]))
    if support(ranked[-1][1]) > 0:
        return ranked[-1][1]
    floor = max((v for v in (result.net, result.subtotal, result.vat) if v is not None),
                default=Decimal(0))
    plausible = [f for f in totals if f.value > 0 and f.value >= floor * FLOOR_SHARE]
    if len(plausible) < len(totals):
        result.problems.append("a total below the figures it adds up was skipped")
    if not plausible:
        return None
    best = plausible[-1]
    if len({f.value for f in plausible}) > 1:
        result.problems.append("several different totals and none adds up: total not read")
        return None
    checkable = (result.net is not None and result.vat is not None) or bool(vat_rate and result.vat)
    if checkable and best.confidence < MIN_CONTRADICTED_CONFIDENCE:
        result.problems.append("net and VAT do not add up to a faint total: total not read")
        return None
    if best.confidence < MIN_UNBACKED_CONFIDENCE:
        result.problems.append("the total is faint and nothing adds up to it: total not read")
        return None
    return best


def _slack(value: Decimal) -> Decimal:
    """How far a computed figure may be from the printed one: the tolerance, or a part
    in ten thousand of a net worked out from its VAT."""
    return max(TOLERANCE, abs(value) / 10_000)


def same(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= TOLERANCE


def _value_of(phrase: Phrase, start: int, end: int,
              phrases: Sequence[Phrase]) -> _Found | None:
    """The amount a label at ``start:end`` of ``phrase`` stands for."""
    found = _amount_after(phrase, end)
    if found is not None:
        value, s, e = found
        return _Found(value, phrase.box_of(s, e), phrase.confidence_of(s, e))
    if _has_text_after(phrase, end):
        return None
    label = phrase.box_of(start, end)
    for other in phrases:
        if other is phrase:
            continue
        box = other.box
        level = abs((box.top + box.bottom) - (label.top + label.bottom)) <= label.height
        below = 0 <= box.top - label.bottom <= 1.5 * label.height
        if level or below:
            for index, word in enumerate(other.words):
                right_of = level and word.box.left > label.right
                under = below and word.box.left < label.right + 2 * label.height and \
                    word.box.right > label.left - 2 * label.height
                if not (right_of or under):
                    continue
                s = other.spans[index][0]
                found = _amount_after(other, s)
                if found is not None and found[1] == s:
                    return _Found(found[0], other.box_of(found[1], found[2]),
                                  other.confidence_of(found[1], found[2]))
                break
    return None


def _has_text_after(phrase: Phrase, offset: int) -> bool:
    rest = phrase.text[offset:]
    return sum(c.isalpha() for c in rest.replace("S", "")) >= 3


def _amount_after(phrase: Phrase, offset: int) -> tuple[Decimal, int, int] | None:
    """The first amount printed after ``offset`` in the row (percentages skipped).

    OCR sometimes cuts an amount at a separator or a narrow gap: ``155.339,`` ``13``,
    ``24,`` ``000.`` ``00``, ``$1`` ``3.649,43``: close pieces made only of digits and
    separators are joined, and the longest join that is an amount wins.
    """
    spans = phrase.spans
    for index, (word, (start, end)) in enumerate(zip(phrase.words, spans, strict=True)):
        if start < offset or "%" in word.text:
            continue
        token = phrase.text[start:end].lstrip("—–")  # a long dash is a misread "$"
        start = end - len(token)
        if not _NUMBER_CHARS.search(token) or not any(c.isdigit() for c in token):
            if token.strip("$:") and any(c.isalpha() for c in token.replace("S", "")):
                return None  # another label before any figure
            continue
        best = parse_amount(token)
        best_end = end
        joined, last = token, word
        for following, (s, e) in zip(phrase.words[index + 1:], spans[index + 1:], strict=True):
            piece = phrase.text[s:e]
            gap = following.box.left - last.box.right
            if not _PIECE.fullmatch(piece) or gap > 0.6 * max(last.box.height, 1):
                break
            if not (joined[-1] in ".," or piece[0] in ".," or any(c in ".," for c in piece)):
                break  # "228950" "00" are two figures, not one cut at a separator
            joined, last = joined + piece, following
            value = parse_amount(joined)
            if value is not None:
                best, best_end = value, e
        if best is not None:
            return best, start, best_end
    return None
