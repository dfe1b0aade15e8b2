"""A synthetic products CSV in the shape of CONTRACTS.md "Products CSV".

Deterministic for a seed. Every row is valid: EAN-13s carry their GS1 check digit,
CUITs their AFIP check digit, and no price is written in the ambiguous ``1.500`` form,
so an import of the file reports no bad rows and the row counts can be checked.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from shared.domain.barcodes import gtin_check_digit
from shared.domain.cuit import cuit_check_digit
from shared.domain.errors import InvalidCuit

HEADER = ("sku", "ean", "name", "category", "unit", "price", "cost", "min_stock",
          "supplier_cuit", "vat_rate")
SUPPLIERS = 200

CATEGORIES = {
    "Almacén": ["Yerba mate", "Fideos tallarín", "Arroz largo fino", "Aceite de girasol",
                "Harina 000", "Azúcar", "Polenta", "Puré de tomate", "Arvejas en lata"],
    "Bebidas": ["Gaseosa cola", "Agua mineral", "Cerveza rubia", "Vino tinto malbec",
                "Jugo en polvo", "Soda en sifón", "Fernet"],
    "Lácteos": ["Leche entera", "Yogur bebible", "Dulce de leche", "Manteca", "Crema de leche"],
    "Limpieza": ["Lavandina", "Detergente", "Jabón en polvo", "Suavizante",
                 "Desodorante de ambientes"],
    "Perfumería": ["Shampoo", "Acondicionador", "Jabón de tocador", "Pasta dental", "Desodorante"],
    "Golosinas": ["Alfajor triple", "Chicles", "Caramelos surtidos", "Chocolate con leche",
                  "Turrón de maní"],
    "Galletitas": ["Galletitas de agua", "Galletitas dulces", "Bizcochitos de grasa", "Obleas"],
    "Congelados": ["Hamburguesas", "Papas prefritas", "Helado", "Medallones de pollo"],
}
WEIGHED = ["Queso cremoso", "Jamón cocido", "Salame milán", "Mortadela", "Queso de rallar",
           "Pan francés", "Bananas", "Papas", "Tomate perita"]
BRANDS = ["La Serenísima", "Arcor", "Molinos", "Ledesma", "Marolio", "Quilmes", "Cif",
          "Playadito", "Terrabusi", "Bagley", "Sancor", "Knorr", "Natura", "Ala", "Manaos"]
SIZES = ["500 g", "1 kg", "1,5 l", "2,25 l", "350 ml", "x 6 u.", "118 g", "750 ml", "3 l"]


@dataclass
class CatalogFacts:
    rows: int = 0
    barcodes: int = 0
    two_barcodes: int = 0
    weighed: int = 0
    argentine_prices: int = 0
    suppliers: int = 0


def ean13(prefix: str, number: int) -> str:
    body = f"{prefix}{number:0{12 - len(prefix)}d}"
    return body + str(gtin_check_digit(body))


def scale_lookup_code(plu: int) -> str:
    """The code a weighed product is registered under: prefix 20-24, PLU, value zeroed."""
    return ean13(f"2{plu // 100_000 % 5}", plu % 100_000 * 100_000)


def supplier_cuits(rng: random.Random, count: int = SUPPLIERS) -> list[str]:
    cuits: set[str] = set()
    while len(cuits) < count:
        body = f"{rng.choice(['30', '33', '30', '20', '27'])}{rng.randrange(10**8):08d}"
        try:
            cuits.add(body + str(cuit_check_digit(body)))
        except InvalidCuit:  # a body whose check digit would be 10 is never issued
            continue
    return sorted(cuits)


def argentine_amount(cents: int) -> str:
    """``1.234,56``: dots between thousands, a decimal comma."""
    return f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"


def plain_amount(rng: random.Random, cents: int) -> str:
    """``1234.56``, ``1234,56`` or whole pesos ``1234`` (never three decimals)."""
    if cents % 100 == 0 and rng.random() < 0.5:
        return str(cents // 100)
    mark = "." if rng.random() < 0.5 else ","
    return f"{cents // 100}{mark}{cents % 100:02d}"


def _vat(rng: random.Random) -> tuple[str, float]:
    roll = rng.random()
    if roll < 0.80:
        return "21", 0.21
    if roll < 0.92:
        return rng.choice(["10.5", "10,5"]), 0.105
    if roll < 0.95:
        return "27", 0.27
    if roll < 0.98:
        return "0", 0.0
    return "", 0.21  # absent: 21


def _row(rng: random.Random, i: int, cuits: list[str], facts: CatalogFacts) -> list[str]:
    weighed = rng.random() < 0.02
    if weighed:
        name = f"{rng.choice(WEIGHED)} {rng.choice(BRANDS)} x kg"
        category, unit = "Fiambrería" if "Pan" not in name else "Panadería", "kg"
        eans = [scale_lookup_code(i)]
        min_stock = rng.choice(["2,5", "1.5", "3", ""])
        facts.weighed += 1
    else:
        category = rng.choice(list(CATEGORIES))
        name = f"{rng.choice(CATEGORIES[category])} {rng.choice(BRANDS)} {rng.choice(SIZES)}"
        if rng.random() < 0.05:
            name += ", pack ahorro"  # a comma inside a field: quoted by the writer
        unit = rng.choice(["unidad", "unidad", "unidad", "Unidad", "u"])
        eans = [ean13("779", i)]
        if rng.random() < 0.10:
            eans.append(ean13("789", i))
            facts.two_barcodes += 1
        min_stock = str(rng.randrange(0, 25)) if rng.random() < 0.9 else ""
    vat_text, vat = _vat(rng)
    price = rng.randrange(150_00, 25_000_00)
    if rng.random() < 0.1:
        price -= price % 100  # some whole-peso prices
    cost = int(price / (1 + vat) / rng.uniform(1.25, 1.6))
    argentine = rng.random() < 0.5
    facts.argentine_prices += argentine
    price_text = argentine_amount(price) if argentine else plain_amount(rng, price)
    cost_text = "" if rng.random() < 0.05 else (
        argentine_amount(cost) if argentine else plain_amount(rng, cost))
    cuit = ""
    if rng.random() < 0.9:
        digits = cuits[rng.randrange(len(cuits))]
        cuit = f"{digits[:2]}-{digits[2:10]}-{digits[10]}" if rng.random() < 0.5 else digits
    facts.barcodes += len(eans)
    return [str(100_000 + i), "|".join(eans), name, category, unit, price_text, cost_text,
            min_stock, cuit, vat_text]


def write_catalog(path: Path, rows: int, seed: int = 2026) -> CatalogFacts:
    """Write ``rows`` products to ``path``; returns what the file holds."""
    rng = random.Random(seed)
    cuits = supplier_cuits(rng)
    facts = CatalogFacts(rows=rows)
    used: set[str] = set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(1, rows + 1):
            row = _row(rng, i, cuits, facts)
            if row[8]:
                used.add(row[8].replace("-", ""))
            writer.writerow(row)
    facts.suppliers = len(used)
    return facts
