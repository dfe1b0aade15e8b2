"""The reading's own warnings (``InvoiceReading.warnings``, in English for logs) as the
person at the store reads them, in Spanish.

The figures' arithmetic (lines against the net, net + VAT against the total, amounts not
read) is checked again on the review screen in Spanish (``invoice_capture``), so those
warnings are not repeated. The rest say which field the QR and the text disagree on,
which field two readings made ambiguous, or that the QR was damaged; anything else is
summed up in one line and logged as it was.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

log = logging.getLogger(__name__)

FIELD_NAMES = {
    "cuit": "el CUIT", "supplier cuit": "el CUIT", "type": "el tipo de comprobante",
    "afip code": "el tipo de comprobante", "point of sale": "el punto de venta",
    "number": "el número", "date": "la fecha", "cae": "el CAE", "total": "el total",
}

#: (pattern, Spanish text or None to leave the warning out); the first that matches.
_RULES: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"^net .* does not add up|^the lines add up to|line amounts were not read"),
     None),  # the review screen checks the figures itself, in Spanish
    (re.compile(r"^this document is a credit note"),
     "Es una nota de crédito: al confirmarla, la mercadería vuelve al proveedor."),
    (re.compile(r"^the CUIT read is the receiver's"),
     "El CUIT leído es el del cliente, no el del proveedor: elegí el proveedor."),
    (re.compile(r"^the total was not read"), "No se pudo leer el total: escribilo."),
    (re.compile(r"^AFIP QR: "),
     "El código QR de AFIP está dañado o incompleto: revisá los datos del encabezado."),
    (re.compile(r"several different CUITs"),
     "Hay más de un CUIT en los datos del emisor: revisá el proveedor."),
    (re.compile(r"^letter box|^title says"),
     "La letra o el título no coinciden con el código del comprobante: elegí el tipo."),
    (re.compile(r"document number reads both|point of sale reads two ways"),
     "El número de comprobante se leyó de dos maneras: escribilo."),
    (re.compile(r"issue date|date not read"), "No se pudo leer la fecha con certeza: escribila."),
    (re.compile(r"total not read|a total below"),
     "No se pudo leer el total con certeza: revisalo."),
)
_DISAGREE = re.compile(
    r"^(?P<field>[a-z ]+): the QR says (?P<qr>.+?), the text says (?P<text>.+?);")
_COPY = re.compile(r"^page (?P<page>[0-9]+) is a copy of page (?P<original>[0-9]+)")
GENERIC = "La lectura marcó algo para revisar en el encabezado: compará los datos con la factura."


def spanish_notes(warnings: Iterable[str]) -> list[str]:
    """The reading's warnings in Spanish, without repeats, in their order."""
    notes: list[str] = []
    for warning in warnings:
        note = _spanish(warning)
        if note is not None and note not in notes:
            notes.append(note)
    return notes


def _spanish(warning: str) -> str | None:
    disagree = _DISAGREE.match(warning)
    if disagree:
        name = FIELD_NAMES.get(disagree["field"].strip(), disagree["field"])
        return (f"El QR y el texto no coinciden en {name} (QR: {disagree['qr']}, texto: "
                f"{disagree['text']}): se usa el del QR.")
    copy = _COPY.match(warning)
    if copy:
        return (f"La página {copy['page']} es una copia de la página {copy['original']} "
                "(duplicado o triplicado): sus líneas se cuentan una sola vez.")
    for pattern, text in _RULES:
        if pattern.search(warning):
            return text
    log.info("reading warning shown as a generic note: %s", warning)
    return GENERIC
