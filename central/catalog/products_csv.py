"""Reading a products CSV (CONTRACTS.md "Products CSV") into validated rows.

Pure: text in, rows and per-line errors out. A bad row never stops the rest; each
error names its line number (the header is line 1) and the reason.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from shared.domain.barcodes import normalize_barcode
from shared.domain.cuit import normalize_cuit
from shared.domain.enums import Unit, VatRate
from shared.domain.errors import MinimarketError, ValidationError
from shared.domain.numbers import DecimalMode, parse_decimal, to_cents, to_milli

FIELDS = ("sku", "ean", "name", "category", "unit", "price", "cost", "min_stock",
          "supplier_cuit", "vat_rate")
REQUIRED = ("sku", "name")
UNIT_WORDS = {
    "unidad": Unit.UNIT, "unidades": Unit.UNIT, "u": Unit.UNIT, "un": Unit.UNIT,
    "unit": Unit.UNIT, "": Unit.UNIT, "kg": Unit.KG, "kilo": Unit.KG, "kilogramo": Unit.KG,
}


class CsvFormatError(ValidationError):
    """The file as a whole cannot be read (no header, a required column missing)."""


@dataclass(frozen=True, slots=True)
class ProductRow:
    line: int
    sku: str
    eans: tuple[str, ...]
    name: str
    category: str | None
    unit: Unit
    price_cents: int | None
    cost_cents: int | None
    min_stock_milli: int | None
    supplier_cuit: str | None
    vat_rate: VatRate


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """``--map FIELD=COLUMN`` options into {field: column}."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        field = field.strip().lower()
        if not sep or not column.strip():
            raise CsvFormatError(f"--map takes FIELD=COLUMN, not {pair!r}")
        if field not in FIELDS:
            raise CsvFormatError(f"--map: unknown field {field!r} (fields: {', '.join(FIELDS)})")
        mapping[field] = column.strip()
    return mapping


def _columns(header: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    """Field name -> column index, from the header and the ``--map`` options."""
    positions = {name.strip().lstrip("\ufeff").lower(): i for i, name in enumerate(header)}
    found: dict[str, int] = {}
    for field in FIELDS:
        column = mapping.get(field, field).lower()
        if column in positions:
            found[field] = positions[column]
        elif field in mapping:
            raise CsvFormatError(f"--map {field}={mapping[field]}: no such column in the header")
    missing = [field for field in REQUIRED if field not in found]
    if missing:
        raise CsvFormatError(f"the header lacks the required column(s): {', '.join(missing)}")
    return found


def _amount(text: str, mode: DecimalMode, what: str) -> int | None:
    if not text.strip():
        return None
    cents = to_cents(parse_decimal(text, mode))
    if cents < 0:
        raise ValidationError(f"{what} cannot be negative")
    return cents


def parse_row(line: int, values: Mapping[str, str], mode: DecimalMode) -> ProductRow:
    """One row's values (by field name) into a ProductRow; raises with the reason."""
    sku = values.get("sku", "").strip()
    name = " ".join(values.get("name", "").split())
    if not sku:
        raise ValidationError("sku is empty")
    if len(sku) > 64:
        raise ValidationError("sku is longer than 64 characters")
    if not name:
        raise ValidationError("name is empty")
    eans = tuple(dict.fromkeys(
        normalize_barcode(code) for code in values.get("ean", "").split("|") if code.strip()
    ))
    unit_text = values.get("unit", "").strip().lower()
    if unit_text not in UNIT_WORDS:
        raise ValidationError(f"unit must be 'unidad' or 'kg', not {unit_text!r}")
    min_stock_text = values.get("min_stock", "").strip()
    min_stock = to_milli(parse_decimal(min_stock_text, mode)) if min_stock_text else None
    if min_stock is not None and min_stock < 0:
        raise ValidationError("min_stock cannot be negative")
    cuit_text = values.get("supplier_cuit", "").strip()
    vat_text = values.get("vat_rate", "").strip()
    try:
        vat = VatRate.parse(vat_text) if vat_text else VatRate.GENERAL
    except ValueError as error:
        raise ValidationError(str(error)) from None
    category = " ".join(values.get("category", "").split()) or None
    return ProductRow(
        line=line, sku=sku, eans=eans, name=name[:300], category=category and category[:120],
        unit=UNIT_WORDS[unit_text], price_cents=_amount(values.get("price", ""), mode, "price"),
        cost_cents=_amount(values.get("cost", ""), mode, "cost"), min_stock_milli=min_stock,
        supplier_cuit=normalize_cuit(cuit_text) if cuit_text else None, vat_rate=vat,
    )


def read_products(
    lines: Iterable[str], *, mapping: Mapping[str, str] | None = None,
    decimal: DecimalMode = "auto",
) -> Iterator[ProductRow | RowError]:
    """Rows and errors in file order. A repeated sku is an error on its second line."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvFormatError("the file is empty: expected a header line") from None
    except csv.Error as error:
        raise CsvFormatError(f"line 1: {error}") from None
    columns = _columns(header, mapping or {})
    seen: dict[str, int] = {}
    line = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RowError(reader.line_num, f"unreadable CSV: {error}")
            continue
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            yield RowError(line, f"expected {len(header)} columns, found {len(values)}")
            continue
        try:
            row = parse_row(line, {f: values[i] for f, i in columns.items()}, decimal)
        except MinimarketError as error:
            yield RowError(line, str(error))
            continue
        if row.sku in seen:
            yield RowError(line, f"sku {row.sku} already on line {seen[row.sku]}")
            continue
        seen[row.sku] = line
        yield row
