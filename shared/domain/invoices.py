"""Supplier documents as values: the chain-wide key, what a type code means, the arithmetic.

A supplier document (invoice, credit note, debit note) is one document chain-wide,
identified by (issuer CUIT, AFIP type code, point of sale, number): the *type code*,
not the letter, so Factura A 5 and Nota de Crédito A 5 are two documents.

Prices on the page: a Factura A (and M) shows unit prices net of VAT, with VAT added
below; a Factura B or C prints prices with VAT included. Our supplier costs are always
net of VAT, so for B and C the net unit cost is derived with the line's VAT rate
(``price / (1 + rate)``). For a C issued by a monotributista, who charges no VAT, the
line's rate should be 0 and the printed price is then the cost.

Reconciliation compares what was printed (or typed) with what the lines add up to and
returns the differences; it never refuses a document: a reviewer decides.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.domain.cuit import normalize_cuit
from shared.domain.enums import AFIP_DOCUMENT_TYPES, DocumentKind, MovementKind, VatRate
from shared.domain.errors import ValidationError

MAX_POINT_OF_SALE = 99_999
MAX_NUMBER = 99_999_999
BP_PER_UNIT = 10_000  # basis points in 100 %
MILLI_PER_UNIT = 1_000
#: Letters whose printed unit prices include VAT.
VAT_INCLUDED_LETTERS = frozenset({"B", "C"})
_KEY = re.compile(r"([0-9]{11})-([0-9]{3})-([0-9]{5})-([0-9]{8})")
_KIND_WORDS = {
    DocumentKind.INVOICE: "Factura",
    DocumentKind.CREDIT_NOTE: "Nota de crédito",
    DocumentKind.DEBIT_NOTE: "Nota de débito",
}


class UnknownDocumentType(ValidationError):
    """An AFIP type code we do not handle."""


@dataclass(frozen=True, slots=True)
class DocumentType:
    code: int
    letter: str
    kind: DocumentKind

    @property
    def prices_include_vat(self) -> bool:
        return self.letter in VAT_INCLUDED_LETTERS

    @property
    def movement_kind(self) -> MovementKind | None:
        """What confirming the document does to stock; a debit note moves none."""
        if self.kind is DocumentKind.INVOICE:
            return MovementKind.INTAKE
        if self.kind is DocumentKind.CREDIT_NOTE:
            return MovementKind.SUPPLIER_RETURN
        return None


def document_type(code: int) -> DocumentType:
    known = AFIP_DOCUMENT_TYPES.get(code)
    if known is None or isinstance(code, bool):
        codes = ", ".join(str(c) for c in sorted(AFIP_DOCUMENT_TYPES))
        raise UnknownDocumentType(f"unknown AFIP document type code {code!r} (known: {codes})")
    return DocumentType(code, *known)


def check_point_of_sale(point_of_sale: int) -> int:
    if not 1 <= point_of_sale <= MAX_POINT_OF_SALE:
        raise ValidationError(f"point of sale must be 1 to {MAX_POINT_OF_SALE}")
    return point_of_sale


def check_number(number: int) -> int:
    if not 1 <= number <= MAX_NUMBER:
        raise ValidationError(f"document number must be 1 to {MAX_NUMBER}")
    return number


def invoice_key(cuit: str, afip_code: int, point_of_sale: int, number: int) -> str:
    """``"30712345671-001-00003-00001234"``: fixed width, so equal documents give equal keys."""
    digits = normalize_cuit(cuit)
    document_type(afip_code)
    check_point_of_sale(point_of_sale)
    check_number(number)
    return f"{digits}-{afip_code:03d}-{point_of_sale:05d}-{number:08d}"


def parse_invoice_key(key: str) -> tuple[str, int, int, int]:
    """The four parts of a key made by :func:`invoice_key`."""
    match = _KEY.fullmatch(key)
    if match is None:
        raise ValidationError(f"{key!r} is not an invoice key")
    cuit, code, point_of_sale, number = match.groups()
    return cuit, int(code), int(point_of_sale), int(number)


def document_label(afip_code: int, point_of_sale: int, number: int) -> str:
    """How a person reads the document: ``"Factura A 00003-00001234"``."""
    kind = document_type(afip_code)
    return f"{_KIND_WORDS[kind.kind]} {kind.letter} {point_of_sale:05d}-{number:08d}"


# --- arithmetic (integer cents and thousandths; halves away from zero, as AFIP) ----


def divide_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to an integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return -quotient if numerator < 0 else quotient


def line_amount_cents(qty_milli: int, unit_price_cents: int) -> int:
    """Quantity times unit price, in cents."""
    return divide_half_up(qty_milli * unit_price_cents, MILLI_PER_UNIT)


def vat_on_net_cents(net_cents: int, rate: VatRate) -> int:
    return divide_half_up(net_cents * rate.basis_points, BP_PER_UNIT)


def net_of_gross_cents(gross_cents: int, rate: VatRate) -> int:
    """The net part of an amount that includes VAT at ``rate``."""
    return divide_half_up(gross_cents * BP_PER_UNIT, BP_PER_UNIT + rate.basis_points)


def net_unit_cost_cents(unit_price_cents: int, rate: VatRate, *, prices_include_vat: bool) -> int:
    """The supplier cost we keep (net of VAT) for a printed unit price."""
    if prices_include_vat:
        return net_of_gross_cents(unit_price_cents, rate)
    return unit_price_cents


def weighted_unit_cost(lines: Iterable[tuple[int, int]]) -> int:
    """One unit cost from several ``(qty_milli, unit_cost_cents)`` lines of one product."""
    quantity = value = 0
    for qty_milli, unit_cost in lines:
        quantity += qty_milli
        value += qty_milli * unit_cost
    if quantity <= 0:
        raise ValueError("no quantity to average over")
    return divide_half_up(value, quantity)


# --- reconciliation ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineValues:
    qty_milli: int
    unit_price_cents: int
    vat_rate: VatRate
    amount_cents: int | None = None  # as printed; None when not given

    @property
    def computed_amount_cents(self) -> int:
        return line_amount_cents(self.qty_milli, self.unit_price_cents)

    @property
    def effective_amount_cents(self) -> int:
        """The printed amount when there is one (it carries discounts), else the product."""
        return self.computed_amount_cents if self.amount_cents is None else self.amount_cents


@dataclass(frozen=True, slots=True)
class Totals:
    net_cents: int
    vat_cents: int
    total_cents: int


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A printed figure that differs from what the lines add up to."""

    check: str  # line_amount | lines_vs_net | lines_vs_total | vat | net_plus_vat_vs_total
    expected_cents: int
    found_cents: int
    line_no: int | None = None

    @property
    def difference_cents(self) -> int:
        return self.found_cents - self.expected_cents


def expected_totals(lines: Sequence[LineValues], *, prices_include_vat: bool) -> Totals:
    """Net, VAT and total the lines imply; VAT is worked out per rate, as printed."""
    by_rate: dict[VatRate, int] = defaultdict(int)
    for line in lines:
        by_rate[line.vat_rate] += line.effective_amount_cents
    if prices_include_vat:
        total = sum(by_rate.values())
        net = sum(net_of_gross_cents(gross, rate) for rate, gross in by_rate.items())
        return Totals(net, total - net, total)
    net = sum(by_rate.values())
    vat = sum(vat_on_net_cents(amount, rate) for rate, amount in by_rate.items())
    return Totals(net, vat, net + vat)


def reconcile(
    lines: Sequence[LineValues], *, prices_include_vat: bool, net_cents: int | None = None,
    vat_cents: int | None = None, total_cents: int | None = None, tolerance_cents: int = 1,
) -> list[Mismatch]:
    """Every check whose figures were given: line amounts, lines vs net (A, M) or vs total
    (B, C), VAT vs the net, and net + VAT vs total. ``tolerance_cents`` absorbs rounding."""
    found: list[Mismatch] = []

    def compare(check: str, expected: int, given: int | None, line_no: int | None = None) -> None:
        if given is not None and abs(given - expected) > tolerance_cents:
            found.append(Mismatch(check, expected, given, line_no))

    for line_no, line in enumerate(lines, start=1):
        compare("line_amount", line.computed_amount_cents, line.amount_cents, line_no)
    expected = expected_totals(lines, prices_include_vat=prices_include_vat)
    if prices_include_vat:
        compare("lines_vs_total", expected.total_cents, total_cents)
    else:
        compare("lines_vs_net", expected.net_cents, net_cents)
        if net_cents is not None:
            compare("vat", _vat_for_net(lines, net_cents), vat_cents)
    if net_cents is not None and vat_cents is not None:
        compare("net_plus_vat_vs_total", net_cents + vat_cents, total_cents)
    return found


def _vat_for_net(lines: Sequence[LineValues], net_cents: int) -> int:
    """VAT on the printed net: at the lines' one rate, or split as the lines split it."""
    by_rate: dict[VatRate, int] = defaultdict(int)
    for line in lines:
        by_rate[line.vat_rate] += line.effective_amount_cents
    lines_net = sum(by_rate.values())
    if lines_net <= 0:
        return 0
    return sum(
        vat_on_net_cents(divide_half_up(net_cents * amount, lines_net), rate)
        for rate, amount in by_rate.items()
    )
