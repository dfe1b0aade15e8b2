"""The three page layouts of the invoice generator, and ``render_invoice``.

Each painter lays one ``InvoiceTruth`` out on a ``Sheet`` (``synthetic_layout``) the way a
family of real Argentine invoices does; see that module for the layouts' descriptions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from shared.ocr.synthetic_layout import (
    BLACK,
    LAYOUTS,
    MARGIN,
    PageStyle,
    Sheet,
    cuit_text,
    date_text,
    draw_table,
    money,
    number_text,
    random_style,
    table_columns,
    total_rows,
    transparency_rows,
)

if TYPE_CHECKING:
    from shared.ocr.synthetic import InvoiceTruth

GREY = (205, 205, 205)
FOOTER_NOTE = ("Esta Agencia no se responsabiliza por los datos ingresados en el detalle "
               "de la operación")


def _qr(sheet: Sheet, truth: InvoiceTruth, x: int, y: int, rng: np.random.Generator) -> int:
    """The AFIP QR (or a tiny one, or none, as the truth says); returns the width it took."""
    if not truth.qr_printed:
        return 0
    scale = 4 if truth.qr_readable else 1  # 4: a 3.7 cm square, as printed by ARCA
    return sheet.paste_qr(truth.qr_url(), x, y, scale)


def _cae(sheet: Sheet, truth: InvoiceTruth, x: float, y: float, size: int,
         anchor_right: bool = False) -> float:
    rows = (("CAE N°:", truth.cae), ("Fecha de Vto. de CAE:", date_text(truth.cae_due)))
    for label, value in rows:
        if anchor_right:
            end = sheet.text(x, y, value, size, anchor="ra")
            sheet.text(x - sheet.measure(value, size) - size * 0.4, y, label, size, True,
                       anchor="ra")
            del end
        else:
            sheet.labelled(x, y, label, value, size)
        y += size * 1.45
    return y


def _arca_logo(sheet: Sheet, x: float, y: float) -> None:
    sheet.rect((x, y, x + 150, y + 56), width=3)
    sheet.text(x + 75, y + 28, "ARCA", 36, bold=True, anchor="mm")
    sheet.text(x, y + 72, "Comprobante Autorizado", 22, bold=True)
    sheet.text(x, y + 108, FOOTER_NOTE, 14, bold=True)


def _totals_block(sheet: Sheet, truth: InvoiceTruth, right: float, y: float, size: int,
                  label_right: float | None = None) -> float:
    """Labels right-aligned at ``label_right`` (or left of the amounts), amounts at ``right``."""
    rows = total_rows(truth, sheet.style)
    value_width = max(sheet.measure(value, size + 4, True) for _, value, _ in rows)
    labels_at = label_right or right - value_width - size * 1.5
    colon = ": $" if sheet.style.layout == "afip" else ":"
    for label, value, bold in rows:
        grow = 4 if label.upper() in ("IMPORTE TOTAL", "TOTAL") else 0
        sheet.text(labels_at, y, label + colon, size + grow, bold, anchor="ra")
        sheet.text(right, y, value, size + grow, bold, anchor="ra")
        y += (size + grow) * 1.55
    return y


def _transparency(sheet: Sheet, truth: InvoiceTruth, x: float, y: float, size: int) -> float:
    for index, row in enumerate(transparency_rows(truth, sheet.style)):
        sheet.text(x, y, row, size, bold=index == 0)
        y += size * 1.4
    return y


# --- "Comprobantes en línea" -------------------------------------------------------------


def paint_afip(sheet: Sheet, truth: InvoiceTruth, rng: np.random.Generator) -> None:
    width, height, m = sheet.width, sheet.height, MARGIN
    cx = width // 2
    sheet.rect((m, 40, width - m, 102))
    sheet.text(cx, 71, "ORIGINAL", 34, True, anchor="mm")
    top, bottom = 102, 430
    sheet.rect((m, top, width - m, bottom))
    sheet.vline(cx, top + 122, bottom)
    sheet.rect((cx - 62, top, cx + 62, top + 122), fill="white")
    sheet.text(cx, top + 50, truth.letter, 84, True, anchor="mm")
    sheet.text(cx, top + 103, f"COD. {truth.afip_code:02d}", 20, True, anchor="mm")
    # issuer, left half
    left_w = cx - 80 - (m + 20)
    y = float(top + 22)
    for row in sheet.wrap(truth.supplier_name.upper(), 40, left_w, True)[:2]:
        sheet.text(m + 20 + left_w / 2, y, row, 40, True, anchor="ma")
        y += 48
    y += 22
    size = 21
    y = sheet.labelled(m + 20, y, "Razón Social:", truth.supplier_name.upper(), size,
                       cx - m - 40) + 10
    y = sheet.labelled(m + 20, y, "Domicilio Comercial:", truth.supplier_address, size,
                       cx - m - 40) + 10
    sheet.labelled(m + 20, max(y, bottom - 40), "Condición frente al IVA:",
                   truth.supplier_vat_condition, size, cx - m - 40, value_bold=True)
    # the document, right half
    x = cx + 90
    sheet.text(x, top + 22, truth.title, 46 if len(truth.title) < 10 else 40, True)
    y = float(top + 100)
    end = sheet.text(x, y + 2, "Punto de Venta:", 22, True)
    end = sheet.text(end + 12, y, f"{truth.point_of_sale:05d}", 25, True)
    end = sheet.text(end + 34, y + 2, "Comp. Nro:", 22, True)
    sheet.text(end + 12, y, f"{truth.number:08d}", 25, True)
    sheet.labelled(x, y + 42, "Fecha de Emisión:", date_text(truth.date), 23, value_bold=True)
    y += 108
    for label, value in (("CUIT:", cuit_text(truth.supplier_cuit, sheet.style)),
                         ("Ingresos Brutos:", truth.supplier_iibb),
                         ("Fecha de Inicio de Actividades:", date_text(truth.activity_start))):
        y = sheet.labelled(x, y, label, value, 21) + 4
    # receiver
    top = bottom + 14
    y = float(top + 16)
    receiver = truth.receiver
    sheet.labelled(m + 15, y, "CUIT:", receiver.cuit, 20)
    sheet.labelled(m + 380, y, "Apellido y Nombre / Razón Social:", receiver.name.upper(), 20)
    y += 40
    sheet.labelled(m + 15, y, "Condición frente al IVA:", receiver.vat_condition, 20)
    sheet.labelled(cx + 60, y, "Condición de venta:", truth.sale_condition, 20)
    y = sheet.labelled(m + 15, y + 40, "Domicilio Comercial:", receiver.address, 20) + 6
    if truth.associated:
        y = sheet.labelled(m + 15, y, "Comprobante Asociado:", truth.associated, 20) + 6
    sheet.rect((m, top, width - m, y + 8))
    # lines, totals, foot
    totals_rows = len(total_rows(truth, sheet.style)) + len(transparency_rows(truth, sheet.style))
    totals_top = height - 340 - totals_rows * 33 - 50
    draw_table(sheet, m, width - m, y + 24, table_columns(truth, sheet.style, rng),
               truth.lines, 20, header_fill=GREY, bottom_limit=totals_top - 20)
    sheet.rect((m, totals_top, width - m, height - 330))
    y = _transparency(sheet, truth, m + 25, totals_top + 25, 20)
    _totals_block(sheet, truth, width - m - 25, max(y, totals_top + 25) if truth.letter == "B"
                  else totals_top + 30, 21, label_right=width - m - 230)
    foot = height - 300
    qr_width = _qr(sheet, truth, m + 20, foot, rng)
    _arca_logo(sheet, m + 40 + max(qr_width, 60), foot + 14)
    sheet.text(cx + 40, foot + 10, "Pág. 1/1", 22, True)
    _cae(sheet, truth, width - m - 40, foot + 20, 23, anchor_right=True)


# --- a billing program's page ----------------------------------------------------------


def _logo(sheet: Sheet, truth: InvoiceTruth, x: float, y: float, size: int) -> None:
    initials = "".join(word[0] for word in truth.supplier_name.split()[:2]).upper()
    sheet.draw.ellipse((x, y, x + size, y + size), fill=sheet.style.accent)
    sheet.text(x + size / 2, y + size / 2, initials, int(size * 0.42), True, anchor="mm",
               fill=(255, 255, 255))


def _document_number(sheet: Sheet, truth: InvoiceTruth, x: float, y: float, size: int) -> float:
    style = sheet.style
    if style.number_style == "n_dash":
        sheet.labelled(x, y, "N°", number_text(truth, style), size + 4, value_bold=True)
        return y + (size + 4) * 1.5
    y = sheet.labelled(x, y, "Punto de Venta:", f"{truth.point_of_sale:0{style.pos_digits}d}",
                       size, value_bold=True)
    return sheet.labelled(x, y, "Comp. Nro:", f"{truth.number:08d}", size, value_bold=True)


def paint_erp(sheet: Sheet, truth: InvoiceTruth, rng: np.random.Generator) -> None:
    width, height, m = sheet.width, sheet.height, MARGIN + 20
    style = sheet.style
    cx = width // 2
    _logo(sheet, truth, m, 50, 110)
    x = m + 130
    y = 55.0
    for row in sheet.wrap(truth.supplier_name, 34, cx - 80 - x, True)[:2]:
        sheet.text(x, y, row, 34, True)
        y += 42
    y = max(y + 12, 180)
    for row in sheet.wrap(truth.supplier_address, 19, cx - 80 - m):
        sheet.text(m, y, row, 19)
        y += 26
    phone = f"Tel.: (011) {int(rng.integers(4200, 4999))}-{int(rng.integers(1000, 9999))}"
    sheet.text(m, y, phone, 19)
    sheet.text(m, y + 26, truth.supplier_vat_condition, 19, True)
    left_bottom = y + 56
    sheet.rect((cx - 52, 50, cx + 52, 170), width=3)
    sheet.text(cx, 100, truth.letter, 72, True, anchor="mm")
    sheet.text(cx, 152, f"Cód. {truth.afip_code:02d}", 18, anchor="mm")
    x = cx + 90
    sheet.text(x, 50, truth.title, 40, True)
    y = _document_number(sheet, truth, x, 108, 24)
    cuit_label = "C.U.I.T.:" if style.cuit_dashed else "CUIT:"
    for label, value in (("Fecha:", date_text(truth.date)),
                         (cuit_label, cuit_text(truth.supplier_cuit, style)),
                         ("Ing. Brutos:", truth.supplier_iibb),
                         ("Inicio de Actividades:", date_text(truth.activity_start))):
        y = sheet.labelled(x, y + 4, label, value, 21, width - m - x)
    y = max(y, left_bottom) + 18
    sheet.hline(m, width - m, y, 3)
    y += 20
    receiver = truth.receiver
    sheet.labelled(m, y, "Señor(es):", receiver.name, 21)
    sheet.labelled(cx + 60, y, cuit_label, cuit_text(receiver.cuit, style), 21)
    y += 36
    sheet.labelled(m, y, "Domicilio:", receiver.address, 21, cx - m)
    sheet.labelled(cx + 60, y, "IVA:", receiver.vat_condition, 21)
    y += 36
    sheet.labelled(m, y, "Cond. de Venta:", truth.sale_condition, 21)
    if truth.associated:
        sheet.labelled(cx + 60, y, "Comp. Asoc.:", truth.associated, 21)
    y += 44
    sheet.hline(m, width - m, y, 3)
    n_totals = len(total_rows(truth, style))
    totals_top = height - 360 - n_totals * 36
    draw_table(sheet, m, width - m, y + 22, table_columns(truth, style, rng), truth.lines, 21,
               bottom_limit=totals_top - 30)
    sheet.hline(width * 0.55, width - m, totals_top - 12, 2)
    _totals_block(sheet, truth, width - m, totals_top, 22)
    _transparency(sheet, truth, m, totals_top + 4, 18)
    foot = height - 320
    qr_width = _qr(sheet, truth, m, foot, rng)
    x = m + max(qr_width, 0) + 30
    _cae(sheet, truth, x, foot + 30, 22)
    sheet.text(x, foot + 110, "Comprobante autorizado por ARCA", 18)
    sheet.text(width - m, height - 70, "ORIGINAL - Página 1 de 1", 18, anchor="ra")


# --- compact: small print, totals at the right of the QR --------------------------------


def paint_compact(sheet: Sheet, truth: InvoiceTruth, rng: np.random.Generator) -> None:
    width, m = sheet.width, MARGIN + 10
    style = sheet.style
    cx = int(width * 0.53)
    top = 45
    y = top + 18.0
    for row in sheet.wrap(truth.supplier_name, 28, cx - 90 - m - 20, True)[:2]:
        sheet.text(m + 18, y, row, 28, True)
        y += 34
    y += 6
    for row in sheet.wrap(truth.supplier_address, 17, cx - 90 - m - 20):
        sheet.text(m + 18, y, row, 17)
        y += 23
    for row in (f"{truth.supplier_vat_condition} - IIBB: {truth.supplier_iibb}",
                f"CUIT {cuit_text(truth.supplier_cuit, style)} - Inicio de Actividades: "
                f"{date_text(truth.activity_start)}"):
        for part in sheet.wrap(row, 17, cx - 90 - m - 20):
            sheet.text(m + 18, y, part, 17)
            y += 23
    sheet.rect((cx - 70, top, cx + 10, top + 90), width=2)
    sheet.text(cx - 30, top + 38, truth.letter, 56, True, anchor="mm")
    sheet.text(cx - 30, top + 77, f"{truth.afip_code:03d}", 15, anchor="mm")
    x = cx + 40
    sheet.text(x, top + 16, truth.title, 30, True)
    right_y = _document_number(sheet, truth, x, top + 62, 20)
    right_y = sheet.labelled(x, right_y + 2, "Fecha de Emisión:", date_text(truth.date), 20)
    bottom = max(y, right_y, top + 100) + 14
    sheet.rect((m, top, width - m, bottom))
    y = bottom + 14
    receiver = truth.receiver
    client = f"{receiver.name} - CUIT {cuit_text(receiver.cuit, style)}"
    sheet.labelled(m + 10, y, "Cliente:", client, 18)
    y += 28
    sheet.labelled(m + 10, y, "Domicilio:", receiver.address, 18, cx - m)
    sheet.labelled(cx + 40, y, "Cond. IVA:", receiver.vat_condition, 18)
    y += 28
    sheet.labelled(m + 10, y, "Cond. Venta:", truth.sale_condition, 18)
    if truth.associated:
        sheet.labelled(cx + 40, y, "Comp. Asociado:", truth.associated, 18)
    y += 36
    n_totals = len(total_rows(truth, style))
    y = draw_table(sheet, m, width - m, y, table_columns(truth, style, rng), truth.lines, 18,
                   bottom_limit=sheet.height - 420 - n_totals * 28) + 28
    box_left = width * 0.56
    box_bottom = y + n_totals * 19 * 1.55 + 40
    sheet.rect((box_left, y, width - m, box_bottom), width=2)
    _totals_block(sheet, truth, width - m - 18, y + 18, 19)
    qr_width = _qr(sheet, truth, m, int(y), rng)
    cae_x = m + qr_width + 24 if qr_width else m
    cae_y = _cae(sheet, truth, cae_x, y + 16, 19)
    if qr_width and cae_x + 360 > box_left:  # no room beside the QR: under it
        cae_y = y + qr_width + 10
    _transparency(sheet, truth, cae_x, cae_y + 10, 16)
    sheet.text(width / 2, sheet.height - 60, "Original - Hoja 1 de 1", 16, anchor="ma",
               fill=(90, 90, 90))


LAYOUT_PAINTERS: dict[str, Callable[[Sheet, InvoiceTruth, np.random.Generator], None]] = {
    "afip": paint_afip, "erp": paint_erp, "compact": paint_compact,
}


def render_invoice(truth: InvoiceTruth, rng: np.random.Generator, *,
                   style: PageStyle | None = None) -> np.ndarray:
    """The flat page (BGR, A4 at 180 dpi) the supplier printed, with its QR."""
    style = style or random_style(rng)
    if style.layout not in LAYOUT_PAINTERS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {style.layout!r}")
    ink = BLACK if rng.random() < 0.7 else (35, 35, 55)
    sheet = Sheet(style, ink)
    LAYOUT_PAINTERS[style.layout](sheet, truth, rng)
    return np.ascontiguousarray(np.asarray(sheet.image)[:, :, ::-1])


__all__ = ["LAYOUT_PAINTERS", "money", "render_invoice"]
