"""Realistic Argentine supplier-invoice photos with their ground truth, for tests and demos.

``random_truth`` draws what an invoice says (supplier, AFIP type, numbers, wholesale
lines, totals that add up as AFIP's rules say); ``render_invoice``
(``synthetic_layout``) prints it on a flat A4 page in one of several layouts, fonts and
table styles with its AFIP QR; ``degrade`` (``synthetic_photo``) turns the page into a
webcam or phone photo; ``write_capture_video`` films the page being held up to a
webcam. Everything is drawn from a ``numpy.random.Generator``, so a seed gives the
same pictures on every machine with the same fonts.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from shared.domain.barcodes import gtin_check_digit
from shared.domain.cuit import cuit_check_digit
from shared.domain.enums import VatRate
from shared.domain.errors import InvalidCuit
from shared.domain.invoices import LineValues, expected_totals
from shared.domain.numbers import cents_to_amount
from shared.ocr.model import HEADER_FIELDS, InvoiceReading, ReadLine
from shared.ocr.synthetic_pages import render_invoice
from shared.ocr.synthetic_photo import LEVELS, degrade, write_capture_video

__all__ = [
    "LEVELS", "InvoiceTruth", "TruthLine", "degrade", "line_totals", "make_photo", "photo_set",
    "random_truth", "render_invoice", "write_capture_video",
]

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
QR_URL = "https://www.afip.gob.ar/fe/qr/?p="
#: AFIP type code -> (letter, title printed on the page).
DOCUMENT_TITLES = {
    1: ("A", "FACTURA"), 6: ("B", "FACTURA"), 11: ("C", "FACTURA"),
    3: ("A", "NOTA DE CRÉDITO"), 8: ("B", "NOTA DE CRÉDITO"), 13: ("C", "NOTA DE CRÉDITO"),
}
RESPONSABLE_INSCRIPTO = "IVA Responsable Inscripto"
MONOTRIBUTO = "Responsable Monotributo"


@dataclass(frozen=True, slots=True)
class TruthLine:
    """One printed line. ``unit_price`` is net of VAT on an A, VAT included on a B or C."""

    code: str
    description: str
    quantity: Decimal  # units, or kg with three decimals when ``weighed``
    unit_price: Decimal
    amount: Decimal  # quantity x unit_price, rounded half up to cents
    vat_rate: Decimal  # percent: 21, 10.5, or 0 on a C
    ean: str | None = None
    weighed: bool = False


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    cuit: str
    vat_condition: str
    address: str


@dataclass(frozen=True, slots=True)
class InvoiceTruth:
    """Everything the page says, as the reader should return it."""

    supplier_cuit: str  # 11 digits, valid check digit
    supplier_name: str
    letter: str
    afip_code: int
    point_of_sale: int
    number: int
    date: dt.date
    cae: str  # 14 digits
    cae_due: dt.date
    lines: tuple[TruthLine, ...]
    net: Decimal
    vat: Decimal  # on a B: the VAT the prices contain ("IVA Contenido"); 0 on a C
    total: Decimal
    qr_readable: bool  # a QR big enough to decode from a photo is printed
    qr_printed: bool = True  # False: no QR at all; True with not readable: a tiny one
    currency: str = "PES"
    supplier_address: str = ""
    supplier_vat_condition: str = RESPONSABLE_INSCRIPTO
    supplier_iibb: str = ""
    activity_start: dt.date = dt.date(2015, 3, 1)
    receiver: Party = field(default_factory=lambda: Party("", "", "", ""))
    sale_condition: str = "Contado"
    vat_by_rate: tuple[tuple[Decimal, Decimal], ...] = ()  # (rate %, VAT) on an A
    associated: str | None = None  # the invoice a credit note refers to

    @property
    def title(self) -> str:
        return DOCUMENT_TITLES[self.afip_code][1]

    @property
    def prices_include_vat(self) -> bool:
        return self.letter in ("B", "C")

    def qr_payload(self) -> dict[str, Any]:
        """The RG 4291 JSON fields, with the key order AFIP's specification shows."""
        return {
            "ver": 1, "fecha": self.date.isoformat(), "cuit": int(self.supplier_cuit),
            "ptoVta": self.point_of_sale, "tipoCmp": self.afip_code, "nroCmp": self.number,
            "importe": self.total, "moneda": self.currency, "ctz": 1, "tipoDocRec": 80,
            "nroDocRec": int(self.receiver.cuit), "tipoCodAut": "E", "codAut": int(self.cae),
        }

    def qr_url(self) -> str:
        """``https://www.afip.gob.ar/fe/qr/?p=<base64 of the compact JSON>``."""
        text = json.dumps(self.qr_payload(), separators=(",", ":"), default=_json_number)
        return QR_URL + base64.b64encode(text.encode()).decode()

    def to_reading(self) -> InvoiceReading:
        """The truth as a perfect pipeline would return it (every confidence 1)."""
        return InvoiceReading(
            supplier_cuit=self.supplier_cuit, supplier_name=self.supplier_name,
            letter=self.letter, afip_code=self.afip_code, point_of_sale=self.point_of_sale,
            number=self.number, date=self.date, cae=self.cae, currency=self.currency,
            lines=[ReadLine(code=line.code, description=line.description,
                            quantity=line.quantity, unit_price=line.unit_price,
                            amount=line.amount, vat_rate=line.vat_rate, ean=line.ean,
                            confidence=1.0) for line in self.lines],
            net=self.net, vat=self.vat, total=self.total,
            confidence=dict.fromkeys(HEADER_FIELDS, 1.0))

    def to_contract(self) -> dict[str, Any]:
        """The ``ocr --json`` object of CONTRACTS.md, to compare with a reading's."""
        return self.to_reading().to_contract()


def _json_number(value: object) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # the JSON the QR carries: 36300.5, as AFIP's examples
    raise TypeError(f"{value!r} is not JSON")


# --- what wholesale suppliers sell a mini-market (2026 net unit prices, pesos) ----------

# (description, net unit price, VAT %, weighed)
CATALOG: tuple[tuple[str, int, str, bool], ...] = (
    ("Yerba Mate Playadito 1 kg", 5200, "21", False),
    ("Yerba Mate Taragüí con Palo 1 kg", 4900, "21", False),
    ("Yerba Mate Rosamonte Suave 500 g", 2650, "21", False),
    ("Yerba Mate CBSé Hierbas Serranas 500 g", 2900, "21", False),
    ("Azúcar Ledesma Clásica 1 kg", 1450, "21", False),
    ("Azúcar Chango Refinada 1 kg x 10", 13900, "21", False),
    ("Aceite de Girasol Natura 1,5 L", 4300, "21", False),
    ("Aceite Cocinero Mezcla 900 ml", 2350, "21", False),
    ("Aceite de Oliva Lira Extra Virgen 500 ml", 11800, "21", False),
    ("Galletitas Express Crackers 303 g", 1750, "21", False),
    ("Galletitas Terrabusi Variedad 400 g", 2600, "21", False),
    ("Galletitas Oreo 118 g x 36", 38500, "21", False),
    ("Galletitas Bagley Criollitas 100 g", 780, "21", False),
    ("Alfajor Guaymallén Dulce de Leche x 40", 17600, "21", False),
    ("Alfajor Jorgito Chocolate x 6", 3950, "21", False),
    ("Gaseosa Coca-Cola 2,25 L x 8", 27500, "21", False),
    ("Gaseosa Pepsi 1,5 L x 6", 13200, "21", False),
    ("Gaseosa Manaos Cola 2,25 L x 6", 8900, "21", False),
    ("Agua Mineral Villavicencio 2 L x 6", 7800, "21", False),
    ("Cerveza Quilmes Clásica 1 L retornable x 12", 31800, "21", False),
    ("Fernet Branca 750 ml", 14300, "21", False),
    ("Vino Tinto Toro Viejo 1,125 L", 2150, "21", False),
    ("Leche Entera La Serenísima Larga Vida 1 L x 12", 19400, "21", False),
    ("Leche Descremada SanCor Sachet 1 L", 1290, "21", False),
    ("Yogur Bebible Ilolay Frutilla 1 L", 2480, "21", False),
    ("Dulce de Leche La Serenísima Clásico 400 g", 2750, "21", False),
    ("Manteca La Paulina 200 g", 2950, "21", False),
    ("Queso Cremoso La Paulina x kg", 9800, "21", True),
    ("Queso Rallado Sancor 150 g", 3100, "21", False),
    ("Jamón Cocido Paladini x kg", 15400, "21", True),
    ("Salame Milán Cagnoli x kg", 19900, "21", True),
    ("Mortadela Bocatti x kg", 7600, "21", True),
    ("Fideos Tallarín Lucchetti 500 g", 1180, "21", False),
    ("Fideos Matarazzo Spaghetti 500 g x 20", 27800, "21", False),
    ("Arroz Largo Fino Gallo Oro 1 kg", 2150, "21", False),
    ("Harina de Trigo 000 Pureza 1 kg", 990, "10.5", False),
    ("Harina Leudante Blancaflor 1 kg x 10", 14600, "10.5", False),
    ("Pan Lactal Bimbo Blanco 550 g", 3350, "10.5", False),
    ("Tomate Triturado Arcor 520 g", 980, "21", False),
    ("Puré de Tomate Marolio 520 g x 12", 9900, "21", False),
    ("Mayonesa Hellmann's 475 g", 2890, "21", False),
    ("Caldo Knorr Gallina x 12 cubos", 1650, "21", False),
    ("Café Molido La Virginia 500 g", 8900, "21", False),
    ("Té Taragüí x 50 saquitos", 1380, "21", False),
    ("Papa Blanca Lavada x kg", 850, "10.5", True),
    ("Cebolla x kg", 700, "10.5", True),
    ("Banana Ecuador x kg", 1650, "10.5", True),
    ("Carne Picada Común x kg", 6900, "10.5", True),
    ("Lavandina Ayudín Clásica 2 L", 1790, "21", False),
    ("Detergente Magistral Limón 500 ml", 2550, "21", False),
    ("Jabón en Polvo Ala Matic 3 kg", 11900, "21", False),
    ("Jabón Líquido Skip Baja Espuma 3 L", 17400, "21", False),
    ("Limpiador Poett Lavanda 900 ml", 1820, "21", False),
    ("Desinfectante Lysoform Aerosol 360 ml", 4350, "21", False),
    ("Papel Higiénico Higienol Max 4 x 80 m", 4100, "21", False),
    ("Rollo de Cocina Sussex x 3", 2300, "21", False),
    ("Pañales Pampers Confortsec G x 36", 24800, "21", False),
    ("Shampoo Sedal Ceramidas 340 ml", 3650, "21", False),
    ("Jabón de Tocador Dove Original 90 g x 3", 4700, "21", False),
    ("Pilas Duracell AA x 4", 7900, "21", False),
    ("Chicles Beldent Menta x 20", 9400, "21", False),
    ("Caramelos Sugus Confitados 150 g", 1250, "21", False),
    ("Chocolate Águila Taza 100 g", 2950, "21", False),
    ("Papas Fritas Lay's Clásicas 134 g", 3450, "21", False),
    ("Cigarrillos Marlboro Box 20 x 10", 46800, "21", False),
)

_COMPANY_WORDS = (
    ("Distribuidora", "Mayorista", "Comercial", "Logística", "Autoservicio Mayorista",
     "Alimentos", "Distribuciones"),
    ("del Sur", "El Tano", "Norte", "Del Valle", "San Cayetano", "La Económica", "Río Bravo",
     "Los Hermanos", "Don Ramón", "Oeste", "Patagónica", "El Progreso", "Santa Rita"),
    ("S.A.", "S.R.L.", "SA", "SRL", "S.A.S.", "SAS", "S.A.I.C."),
)
_SURNAMES = ("Pérez", "González", "Fernández", "Rodríguez", "López", "Martínez", "Gómez",
             "Sánchez", "Romero", "Álvarez", "Benítez", "Acuña", "Ibáñez", "Giménez", "Muñoz")
_GIVEN = ("Juan Carlos", "María Laura", "Jorge Luis", "Ana María", "Gustavo", "Silvina",
          "Héctor Raúl", "Verónica", "Martín", "Lucía Belén")
_STREETS = ("Av. San Martín", "Belgrano", "Av. Rivadavia", "Sarmiento", "Mitre", "Moreno",
            "Av. Hipólito Yrigoyen", "25 de Mayo", "Av. Colón", "Güemes", "Pueyrredón",
            "Juan B. Justo", "Alsina", "Lavalle", "Av. Calchaquí")
_PLACES = ("Lomas de Zamora, Buenos Aires", "Quilmes, Buenos Aires", "Morón, Buenos Aires",
           "Rosario, Santa Fe", "Córdoba, Córdoba", "San Miguel de Tucumán, Tucumán",
           "Ciudad Autónoma de Buenos Aires", "Mar del Plata, Buenos Aires",
           "Mendoza, Mendoza", "Neuquén, Neuquén", "Paraná, Entre Ríos", "Salta, Salta")
_STORES = ("Minimercado", "Autoservicio", "Almacén", "Despensa", "Maxikiosco")
_STORE_NAMES = ("Don José", "La Esquina", "El Sol", "Los Pinos", "Mi Barrio", "Lupita",
                "Santa Ana", "El Trébol", "Doña Rosa", "La Nueva")
_SALE_CONDITIONS = ("Contado", "Cuenta Corriente", "Transferencia bancaria",
                    "Cta. Cte. 30 días", "Contado - Efectivo", "Tarjeta de Débito")
_CODE_STYLES = ("numeric", "prefixed", "ean")


def pick(rng: np.random.Generator, items: tuple[Any, ...] | list[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def random_cuit(rng: np.random.Generator, prefixes: tuple[str, ...]) -> str:
    """A CUIT with AFIP's check digit (bodies whose check digit would be 10 are redrawn)."""
    while True:
        body = pick(rng, prefixes) + "".join(str(d) for d in rng.integers(0, 10, 8))
        try:
            return body + str(cuit_check_digit(body))
        except InvalidCuit:
            continue


def random_ean13(rng: np.random.Generator) -> str:
    body = "779" + "".join(str(d) for d in rng.integers(0, 10, 9))
    return body + str(gtin_check_digit(body))


def _address(rng: np.random.Generator) -> str:
    return f"{pick(rng, _STREETS)} {int(rng.integers(100, 4800))} - {pick(rng, _PLACES)}"


def _company(rng: np.random.Generator) -> str:
    return " ".join(pick(rng, words) for words in _COMPANY_WORDS)


def _person(rng: np.random.Generator) -> str:
    return f"{pick(rng, _SURNAMES)} {pick(rng, _GIVEN)}"


def _random_lines(rng: np.random.Generator, count: int) -> list[TruthLine]:
    code_style = pick(rng, _CODE_STYLES)
    picks = rng.choice(len(CATALOG), size=count, replace=False)
    lines = []
    for position, index in enumerate(picks):
        description, base, rate, weighed = CATALOG[int(index)]
        # a supplier's own price list: +-15 % around the usual price, odd cents
        price = (Decimal(base) * Decimal(str(rng.uniform(0.85, 1.15)))).quantize(CENT)
        if weighed:
            quantity = (Decimal(int(rng.integers(500, 12000))) * MILLI).quantize(MILLI)
        else:
            quantity = Decimal(int(pick(rng, (1, 2, 3, 4, 5, 6, 8, 10, 12, 12, 20, 24, 36, 48))))
        ean = None if weighed or rng.random() < 0.3 else random_ean13(rng)
        if code_style == "ean" and ean:
            code = ean
        elif code_style == "prefixed":
            letters = unicodedata.normalize("NFKD", description).encode("ascii", "ignore")
            code = f"{letters.decode().replace(' ', '')[:3].upper()}{int(rng.integers(1, 999)):03d}"
        else:
            code = str(int(rng.integers(1000, 99999)) + position)
        amount = (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
        lines.append(TruthLine(code, description, quantity, price, amount,
                               Decimal(rate), ean, weighed))
    return lines


def line_totals(lines: list[TruthLine], letter: str
            ) -> tuple[Decimal, Decimal, Decimal, tuple[tuple[Decimal, Decimal], ...]]:
    """Net, VAT, total and VAT by rate, with the domain's rounding rules."""
    values = [LineValues(int(line.quantity * 1000), int(line.unit_price * 100),
                         VatRate(_rate_text(line.vat_rate)), int(line.amount * 100))
              for line in lines]
    totals = expected_totals(values, prices_include_vat=letter != "A")
    by_rate: list[tuple[Decimal, Decimal]] = []
    if letter == "A":
        for rate in sorted({line.vat_rate for line in lines}, reverse=True):
            rate_lines = [v for v, line in zip(values, lines, strict=True) if line.vat_rate == rate]
            by_rate.append((rate, cents_to_amount(
                expected_totals(rate_lines, prices_include_vat=False).vat_cents)))
    return (cents_to_amount(totals.net_cents), cents_to_amount(totals.vat_cents),
            cents_to_amount(totals.total_cents), tuple(by_rate))


_totals = line_totals  # the name tests/ui/capture_invoice.py imports


def _rate_text(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def random_truth(rng: np.random.Generator) -> InvoiceTruth:
    """A plausible 2026 supplier invoice or credit note to an Argentine mini-market."""
    afip_code = int(rng.choice([1, 6, 11, 3, 8, 13], p=[0.42, 0.26, 0.16, 0.07, 0.05, 0.04]))
    letter = DOCUMENT_TITLES[afip_code][0]
    if letter == "C":  # a monotributista: a person, no VAT
        supplier = Party(_person(rng), random_cuit(rng, ("20", "23", "27")), MONOTRIBUTO,
                         _address(rng))
    else:
        supplier = Party(_company(rng), random_cuit(rng, ("30", "33")), RESPONSABLE_INSCRIPTO,
                         _address(rng))
    receiver_condition = {"A": RESPONSABLE_INSCRIPTO, "B": MONOTRIBUTO}.get(
        letter, pick(rng, (RESPONSABLE_INSCRIPTO, MONOTRIBUTO)))
    receiver_cuit = random_cuit(rng, ("20", "27", "30") if receiver_condition ==
                                RESPONSABLE_INSCRIPTO else ("20", "23", "27"))
    receiver_name = f"{pick(rng, _STORES)} {pick(rng, _STORE_NAMES)}"
    if receiver_cuit.startswith("30"):
        receiver_name += " S.R.L."
    receiver = Party(receiver_name, receiver_cuit, receiver_condition, _address(rng))
    lines = _random_lines(rng, int(rng.integers(3, 15)))
    if letter == "C":
        lines = [TruthLine(line.code, line.description, line.quantity, line.unit_price,
                           line.amount, Decimal(0), line.ean, line.weighed) for line in lines]
    elif letter == "B":  # B prints prices with VAT: scale the net list price up
        lines = [_with_vat(line) for line in lines]
    net, vat, total, by_rate = line_totals(lines, letter)
    issued = dt.date(2026, 1, 2) + timedelta(days=int(rng.integers(0, 360)))
    qr_draw = rng.random()
    point_of_sale = int(pick(rng, (1, 2, 3, 4, 5, 7, 10, 12, 25, 101, 1003)))
    number = int(rng.integers(1, 60000)) if rng.random() < 0.8 else int(rng.integers(1, 9999999))
    associated = None
    if afip_code in (3, 8, 13):
        associated = f"Factura {letter} {point_of_sale:05d}-{max(1, number - 37):08d}"
    return InvoiceTruth(
        supplier_cuit=supplier.cuit, supplier_name=supplier.name, letter=letter,
        afip_code=afip_code, point_of_sale=point_of_sale, number=number, date=issued,
        cae=str(int(rng.integers(7, 9))) + "".join(str(d) for d in rng.integers(0, 10, 13)),
        cae_due=issued + timedelta(days=10), lines=tuple(lines), net=net, vat=vat,
        total=total, qr_readable=qr_draw >= 0.12, qr_printed=qr_draw >= 0.06,
        supplier_address=supplier.address, supplier_vat_condition=supplier.vat_condition,
        supplier_iibb=pick(rng, (supplier.cuit, f"901-{supplier.cuit[2:8]}-{supplier.cuit[8]}",
                                  "Exento", f"{supplier.cuit[:2]}-{supplier.cuit[2:10]}-"
                                  f"{supplier.cuit[10]}")),
        activity_start=dt.date(int(rng.integers(1995, 2025)), int(rng.integers(1, 13)), 1),
        receiver=receiver, sale_condition=pick(rng, _SALE_CONDITIONS), vat_by_rate=by_rate,
        associated=associated)


def _with_vat(line: TruthLine) -> TruthLine:
    price = (line.unit_price * (1 + line.vat_rate / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
    amount = (line.quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
    return TruthLine(line.code, line.description, line.quantity, price, amount, line.vat_rate,
                     line.ean, line.weighed)


# --- photos -----------------------------------------------------------------------------


def make_photo(seed: int, index: int, level: str) -> tuple[np.ndarray, InvoiceTruth]:
    """Photo number ``index`` of the set ``seed``: the same pixels on every call."""
    rng = np.random.default_rng([seed, index])
    truth = random_truth(rng)
    page = render_invoice(truth, rng)
    return degrade(page, level, rng), truth


def photo_set(count: int, level: str, seed: int) -> Iterator[tuple[np.ndarray, InvoiceTruth]]:
    """``count`` (photo, truth) pairs at one degradation level, deterministic for a seed."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    for index in range(count):
        yield make_photo(seed, index, level)
