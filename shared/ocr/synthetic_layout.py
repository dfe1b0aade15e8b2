"""Printing an ``InvoiceTruth`` on a flat A4 page, the way Argentine billing programs do.

Three layouts: ``afip`` (ARCA's "Comprobantes en línea": boxed header with the big
letter in the middle, receiver box, grey table header, totals box, QR and CAE at the
foot), ``erp`` (a billing program's page: logo, letter box, ``N° 0003-00001234``, the
totals bottom right) and ``compact`` (small print, the QR and CAE beside the totals
right under the table). Each page also draws a font family, a table style, and small
choices of how figures, CUITs and the document number are written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from shared.ocr.synthetic import InvoiceTruth, TruthLine

PAGE_DPI = 180
PAGE_SIZE = (1488, 2105)  # A4 at PAGE_DPI
LAYOUTS = ("afip", "erp", "compact")
TABLE_STYLES = ("grid", "rules", "zebra", "plain")
#: family -> (regular, bold) file names, looked up in the usual font folders.
FONT_FAMILIES: dict[str, tuple[str, str]] = {
    "DejaVu Sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "DejaVu Serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    "Liberation Sans": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    "Liberation Serif": ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
    "Liberation Mono": ("LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf"),
    "FreeSans": ("FreeSans.ttf", "FreeSansBold.ttf"),
    "FreeSerif": ("FreeSerif.ttf", "FreeSerifBold.ttf"),
}
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts",
                "~/.fonts", "/Library/Fonts", "~/Library/Fonts", "C:/Windows/Fonts")
MARGIN = 40
BLACK = (20, 20, 20)


class FontsNotFound(RuntimeError):
    """None of the font families the generator prints with is installed."""


@dataclass(frozen=True, slots=True)
class PageStyle:
    layout: str = "afip"
    font: str = "Liberation Sans"
    table: str = "grid"
    thousands: bool = True  # 1.234,56 rather than 1234,56
    currency: str = "$ "  # before amounts in the totals: "$ ", "$" or ""
    number_style: str = "pv_nro"  # "Punto de Venta: 00003 Comp. Nro: …" or "N° 00003-…"
    pos_digits: int = 5
    cuit_dashed: bool = False
    unit_decimals: bool = True  # 12,00 rather than 12 for counted goods
    accent: tuple[int, int, int] = (60, 60, 60)


@cache
def _font_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in FONT_FOLDERS:
        root = Path(folder).expanduser()
        if root.is_dir():
            for path in sorted(root.rglob("*.[ot]tf")):
                found.setdefault(path.name, path)
    return found


def available_fonts() -> list[str]:
    """The families of ``FONT_FAMILIES`` whose regular and bold files are installed."""
    files = _font_files()
    return [name for name, (regular, bold) in FONT_FAMILIES.items()
            if regular in files and bold in files]


@cache
def _font(family: str, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    files = _font_files()
    name = FONT_FAMILIES[family][1 if bold else 0]
    if name not in files:
        raise FontsNotFound(
            f"font file {name} ({family}) not found under {', '.join(FONT_FOLDERS)}; "
            "install fonts-dejavu-core, fonts-liberation or fonts-freefont-ttf")
    return ImageFont.truetype(str(files[name]), size)


def random_style(rng: np.random.Generator, layout: str | None = None) -> PageStyle:
    fonts = available_fonts()
    if not fonts:
        raise FontsNotFound(
            f"none of {', '.join(FONT_FAMILIES)} is installed under {', '.join(FONT_FOLDERS)}; "
            "install fonts-dejavu-core, fonts-liberation or fonts-freefont-ttf")
    chosen = layout or LAYOUTS[int(rng.integers(len(LAYOUTS)))]
    accents = ((60, 60, 60), (25, 55, 110), (20, 90, 60), (120, 30, 30), (40, 40, 90))
    return PageStyle(
        layout=chosen, font=fonts[int(rng.integers(len(fonts)))],
        table=TABLE_STYLES[int(rng.integers(len(TABLE_STYLES)))],
        thousands=bool(rng.random() < (0.5 if chosen == "afip" else 0.85)),
        currency=("$ ", "$", "")[int(rng.integers(3))],
        number_style="pv_nro" if chosen == "afip" else ("pv_nro", "n_dash")[int(rng.integers(2))],
        pos_digits=5 if chosen == "afip" or rng.random() < 0.6 else 4,
        cuit_dashed=bool(chosen != "afip" and rng.random() < 0.7),
        unit_decimals=bool(chosen == "afip" or rng.random() < 0.4),
        accent=accents[int(rng.integers(len(accents)))])


# --- how figures are printed ----------------------------------------------------------


def money(value: Decimal, style: PageStyle, symbol: bool = False) -> str:
    whole, _, cents = f"{value.quantize(Decimal('0.01')):f}".partition(".")
    negative = whole.startswith("-")
    whole = whole.lstrip("-")
    if style.thousands:
        whole = f"{int(whole):,}".replace(",", ".")
    text = f"{'-' if negative else ''}{whole},{cents}"
    return f"{style.currency}{text}" if symbol else text


def quantity(line: TruthLine, style: PageStyle) -> str:
    if line.weighed:
        return f"{line.quantity:.3f}".replace(".", ",")
    return f"{line.quantity:.2f}".replace(".", ",") if style.unit_decimals else f"{line.quantity:f}"


def cuit_text(cuit: str, style: PageStyle) -> str:
    return f"{cuit[:2]}-{cuit[2:10]}-{cuit[10]}" if style.cuit_dashed else cuit


def number_text(truth: InvoiceTruth, style: PageStyle) -> str:
    return f"{truth.point_of_sale:0{style.pos_digits}d}-{truth.number:08d}"


def date_text(value: Any) -> str:
    return value.strftime("%d/%m/%Y")


def rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}".replace(".", ",") + "%"


# --- a page to draw on -----------------------------------------------------------------


class Sheet:
    def __init__(self, style: PageStyle, ink: tuple[int, int, int] = BLACK) -> None:
        self.style = style
        self.ink = ink
        self.image = Image.new("RGB", PAGE_SIZE, "white")
        self.draw = ImageDraw.Draw(self.image)
        self.width, self.height = PAGE_SIZE

    def font(self, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        return _font(self.style.font, size, bold)

    def measure(self, text: str, size: int, bold: bool = False) -> float:
        return self.font(size, bold).getlength(text)

    def text(self, x: float, y: float, text: str, size: int, bold: bool = False,
             anchor: str = "la", fill: tuple[int, int, int] | None = None) -> float:
        """Draw ``text``; return the x where it ends (for left anchors)."""
        self.draw.text((x, y), text, font=self.font(size, bold), anchor=anchor,
                       fill=fill or self.ink)
        return x + self.measure(text, size, bold)

    def labelled(self, x: float, y: float, label: str, value: str, size: int,
                 max_width: float | None = None, value_bold: bool = False) -> float:
        """``Label: value`` with a bold label; a long value wraps under itself. Returns next y."""
        end = self.text(x, y, label, size, bold=True) + size * 0.4
        room = (max_width - (end - x)) if max_width else 10_000
        rows = self.wrap(value, size, room, value_bold)
        for row in rows:
            self.text(end, y, row, size, bold=value_bold)
            y += size * 1.35
        return y

    def wrap(self, text: str, size: int, width: float, bold: bool = False) -> list[str]:
        rows: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}".strip()
            if current and self.measure(candidate, size, bold) > width:
                rows.append(current)
                current = word
            else:
                current = candidate
        return [*rows, current] if current else rows or [""]

    def rect(self, box: Sequence[float], width: int = 2, fill: Any = None,
             outline: Any = "ink") -> None:
        color = self.ink if outline == "ink" else outline
        self.draw.rectangle(tuple(box), outline=color, width=width, fill=fill)  # type: ignore[arg-type]

    def hline(self, x0: float, x1: float, y: float, width: int = 2, fill: Any = None) -> None:
        self.draw.line((x0, y, x1, y), fill=fill or self.ink, width=width)

    def vline(self, x: float, y0: float, y1: float, width: int = 2) -> None:
        self.draw.line((x, y0, x, y1), fill=self.ink, width=width)

    def paste_qr(self, url: str, x: int, y: int, scale: int) -> int:
        """The QR with its quiet zone at (x, y), ``scale`` pixels a module; returns its size."""
        symbol = segno.make(url, error="l", micro=False, boost_error=False)
        matrix = np.array(symbol.matrix, dtype=np.uint8)
        modules = np.pad(matrix, 2)
        pixels = np.kron(1 - modules, np.ones((scale, scale), dtype=np.uint8)) * 255
        qr = Image.fromarray(pixels.astype(np.uint8), "L").convert("RGB")
        self.image.paste(qr, (x, y))
        return qr.width


# --- the item table ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    weight: float
    align: str  # "l", "r" or "c"
    cell: Callable[[TruthLine], str]
    wraps: bool = False


def draw_table(sheet: Sheet, x0: float, x1: float, y: float, columns: Sequence[Column],
               lines: Sequence[TruthLine], size: int, *, header_fill: Any = None,
               bottom_limit: float | None = None) -> float:
    """Draw the item table from ``y``; shrink the type until it fits above ``bottom_limit``."""
    while bottom_limit is not None and size > 14 and \
            y + _table_height(sheet, x1 - x0, columns, lines, size) > bottom_limit:
        size -= 1
    style = sheet.style.table
    total = sum(c.weight for c in columns)
    edges = [x0]
    for column in columns:
        edges.append(edges[-1] + (x1 - x0) * column.weight / total)
    header_size = max(13, size - 2)
    header_rows = [sheet.wrap(c.header, header_size, edges[i + 1] - edges[i] - 10, True)
                   for i, c in enumerate(columns)]
    header_height = max(len(r) for r in header_rows) * header_size * 1.2 + 16
    filled = header_fill is not None or style == "zebra"
    fill = header_fill if header_fill is not None else sheet.style.accent
    light = header_fill is not None and sum(fill) > 450
    header_ink = sheet.ink if not filled or light else (255, 255, 255)
    if filled:
        sheet.rect((x0, y, x1, y + header_height), width=2, fill=fill,
                   outline="ink" if light or style == "grid" else fill)
    if style == "grid" or (header_fill is not None):
        for edge in edges[1:-1]:
            sheet.vline(edge, y, y + header_height, 1)
    for i, rows in enumerate(header_rows):
        top = y + (header_height - len(rows) * header_size * 1.2) / 2
        for row in rows:
            _cell_text(sheet, edges[i], edges[i + 1], top, row, header_size, columns[i].align,
                       True, header_ink)
            top += header_size * 1.2
    if not filled:
        sheet.hline(x0, x1, y + header_height, 2)
    if style == "grid" and not filled:
        sheet.hline(x0, x1, y, 2)
    y += header_height
    row_gap = size * 0.55
    for index, line in enumerate(lines):
        cells = [sheet.wrap(c.cell(line), size, edges[i + 1] - edges[i] - 14) if c.wraps
                 else [c.cell(line)] for i, c in enumerate(columns)]
        height = max(len(c) for c in cells) * size * 1.25 + row_gap
        if style == "zebra" and index % 2 == 1:
            sheet.rect((x0, y, x1, y + height), width=0, fill=(232, 232, 232), outline=None)
        for i, rows in enumerate(cells):
            top = y + row_gap / 2
            for row in rows:
                _cell_text(sheet, edges[i], edges[i + 1], top, row, size, columns[i].align)
                top += size * 1.25
        if style == "grid":
            for edge in edges:
                sheet.vline(edge, y, y + height, 1)
            sheet.hline(x0, x1, y + height, 1)
        elif style == "rules":
            sheet.hline(x0, x1, y + height, 1, fill=(150, 150, 150))
        y += height
    if style in ("plain", "zebra"):
        sheet.hline(x0, x1, y + 2, 1)
    return y


def _table_height(sheet: Sheet, width: float, columns: Sequence[Column],
                  lines: Sequence[TruthLine], size: int) -> float:
    total = sum(c.weight for c in columns)
    height = 2.6 * size + 16
    for line in lines:
        rows = max(len(sheet.wrap(c.cell(line), size, width * c.weight / total - 14))
                   if c.wraps else 1 for c in columns)
        height += rows * size * 1.25 + size * 0.55
    return height


def _cell_text(sheet: Sheet, left: float, right: float, top: float, text: str, size: int,
               align: str, bold: bool = False, fill: Any = None) -> None:
    pad = 7
    if align == "r":
        sheet.text(right - pad, top, text, size, bold, anchor="ra", fill=fill)
    elif align == "c":
        sheet.text((left + right) / 2, top, text, size, bold, anchor="ma", fill=fill)
    else:
        sheet.text(left + pad, top, text, size, bold, fill=fill)


def _with_vat(line: TruthLine) -> Decimal:
    return (line.amount * (1 + line.vat_rate / 100)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def table_columns(truth: InvoiceTruth, style: PageStyle, rng: np.random.Generator
                  ) -> list[Column]:
    def m(value: Decimal) -> str:
        return money(value, style)

    def unit(long: bool) -> Callable[[TruthLine], str]:
        return lambda line: ("kilogramos" if long else "KG") if line.weighed else (
            "unidades" if long else "UN")

    def qty(line: TruthLine) -> str:
        return quantity(line, style)

    code = Column("Código", 1.1, "l", lambda line: line.code)
    if max(len(line.code) for line in truth.lines) > 10:
        code = Column("Código", 1.6, "l", lambda line: line.code)
    if style.layout == "afip":
        columns = [code, Column("Producto / Servicio", 3.3, "l", lambda line: line.description,
                                wraps=True),
                   Column("Cantidad", 0.95, "r", qty), Column("U. Medida", 1.0, "c", unit(True)),
                   Column("Precio Unit.", 1.2, "r", lambda line: m(line.unit_price)),
                   Column("% Bonif", 0.7, "r", lambda line: "0,00")]
        if truth.letter == "A":
            columns += [Column("Subtotal", 1.3, "r", lambda line: m(line.amount)),
                        Column("Alícuota IVA", 0.8, "r", lambda line: rate_text(line.vat_rate)),
                        Column("Subtotal c/IVA", 1.3, "r", lambda line: m(_with_vat(line)))]
        else:
            columns += [Column("Imp. Bonif.", 0.9, "r", lambda line: "0,00"),
                        Column("Subtotal", 1.3, "r", lambda line: m(line.amount))]
        return columns
    pick = int(rng.integers(3))
    description = Column(("Descripción", "Producto", "Detalle")[pick], 4.0, "l",
                         lambda line: line.description, wraps=True)
    amount = Column(("Importe", "Subtotal", "Total")[pick], 1.4, "r", lambda line: m(line.amount))
    price = Column(("Precio Unit.", "P. Unitario", "Precio")[pick], 1.3, "r",
                   lambda line: m(line.unit_price))
    vat = [Column("IVA %", 0.8, "r", lambda line: rate_text(line.vat_rate))] \
        if truth.letter == "A" else []
    if style.layout == "erp":
        return [code, description, Column(("Cantidad", "Cant.", "Cantidad")[pick], 1.0, "r", qty),
                Column("U.M.", 0.6, "c", unit(False)), price, *vat, amount]
    return [Column("Cant.", 0.9, "r", qty), code, description, price,
            Column("Bonif.", 0.7, "r", lambda line: "0,00"), *vat, amount]


# --- totals -----------------------------------------------------------------------------


def total_rows(truth: InvoiceTruth, style: PageStyle) -> list[tuple[str, str, bool]]:
    """(label, amount, bold) rows of the totals block, as the layout words them."""
    def m(value: Decimal) -> str:
        return money(value, style, symbol=style.layout != "afip")

    zero = Decimal(0)
    if truth.letter != "A":
        subtotal = "Subtotal" if style.layout != "compact" else "Sub Total"
        return [(subtotal, m(truth.total), False), ("Importe Otros Tributos", m(zero), False),
                ("Importe Total", m(truth.total), True)]
    rates = dict(truth.vat_by_rate)
    if style.layout == "afip":
        rows = [("Importe Neto Gravado", m(truth.net), True)]
        for printed in ("27", "21", "10.5", "5", "2.5", "0"):
            rows.append((f"IVA {printed}%", m(rates.get(Decimal(printed), zero)), True))
        return [*rows, ("Importe Otros Tributos", m(zero), True),
                ("Importe Total", m(truth.total), True)]
    rows = [("Subtotal", m(truth.net), False), ("Importe Neto Gravado", m(truth.net), False)]
    for rate, vat in truth.vat_by_rate:
        label = f"IVA {rate_text(rate)}" if style.layout == "erp" else f"IVA {rate:.2f}%"
        rows.append((label.replace(".", ","), m(vat), False))
    return [*rows, ("TOTAL" if style.layout == "erp" else "Importe Total", m(truth.total), True)]


def transparency_rows(truth: InvoiceTruth, style: PageStyle) -> list[str]:
    """Ley 27.743's note on a B: the VAT the prices contain."""
    if truth.letter != "B":
        return []
    return ["Régimen de Transparencia Fiscal al Consumidor (Ley 27.743)",
            f"IVA Contenido: {money(truth.vat, style, symbol=True)}",
            f"Otros Impuestos Nacionales Indirectos: {money(Decimal(0), style, symbol=True)}"]
