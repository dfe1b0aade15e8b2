"""The supplier's name in the issuer block of an invoice's header (pure).

After a ``Razón Social:`` label when that label is the issuer's (the nearest CUIT under
it is the supplier's, not the customer's); otherwise the biggest text at the top left,
with the rows of the same size that continue it. Address fragments (a province or the
city), slogans under a logo (``Su proveedor industrial``) and short lower-case scraps
of a logo are not names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from statistics import median

from shared.ocr.model import Box
from shared.ocr.numbers_ar import find_cuits, fold
from shared.ocr.phrases import Phrase, split_at_gaps

_NAME_NOISE = ("ORIGINAL", "DUPLICADO", "TRIPLICADO", "FACTURA", "NOTA DE", "DOMICILIO",
               "CUIT", "IVA", "TEL", "INGRESOS", "FECHA", "PUNTO", "COMP", "RESPONSABLE",
               "CONDICION", "INICIO", "WWW", "@", "COD", "PAGINA", "HOJA", "NOMBRE", "SENOR")
#: Places an address line ends with: never a business name on their own.
_PLACES = frozenset(fold(name) for name in (
    "Buenos Aires", "Ciudad de Buenos Aires", "Ciudad Autónoma de Buenos Aires", "CABA",
    "Capital Federal", "Catamarca", "Chaco", "Chubut", "Córdoba", "Corrientes", "Entre Ríos",
    "Formosa", "Jujuy", "La Pampa", "La Rioja", "Mendoza", "Misiones", "Neuquén", "Río Negro",
    "Salta", "San Juan", "San Luis", "Santa Cruz", "Santa Fe", "Santiago del Estero",
    "Tierra del Fuego", "Tucumán", "Argentina", "República Argentina"))
#: How slogans printed under a logo start.
_SLOGAN_OPENERS = ("SU ", "SUS ", "TU ", "TUS ", "LA MEJOR", "LOS MEJORES", "EL MEJOR", "LIDER",
                   "LIDERES", "DESDE ", "CALIDAD", "TODO ", "SOLUCIONES", "ESPECIALISTAS",
                   "SERVICIO", "EXPERTOS", "MAS DE ", "AL SERVICIO")
#: Words of the customer's block.
_RECEIVER_WORDS = ("APELLIDO", "NOMBRE", "SENOR", "CLIENTE", "DESTINATARIO")


def read_supplier_name(issuer: Sequence[Phrase], page_width: int,
                       supplier_cuit: str | None) -> tuple[str, Box | None] | None:
    """The supplier's name and where it is printed, or None."""
    for index, phrase in enumerate(issuer):
        match = re.search(r"RAZON SOCIAL\s?:?\s?", phrase.folded)
        if match is None or _customers(phrase, issuer[index:index + 4], supplier_cuit):
            continue
        name = _clean_name(_segment_after(phrase, match.end(), issuer[index + 1:]))
        if name and _plausible(name):
            return name, None
    candidates = []
    for phrase in issuer:
        for words in split_at_gaps(phrase.words):
            segment = Phrase(words)
            letters = sum(c.isalpha() for c in segment.text)
            digits = sum(c.isdigit() for c in segment.text)
            if segment.box.left > page_width * 0.5 or letters < 3 or digits >= 2 or \
                    letters < 0.6 * len(segment.text.replace(" ", "")) or \
                    any(noise in segment.folded for noise in _NAME_NOISE) or \
                    sum(w.confidence for w in words) / len(words) < 50 or \
                    not _plausible(segment.text):
                continue
            candidates.append(segment)
    if not candidates:
        return None
    # The business name is printed at the top in type bigger than the body text.
    body = median(w.box.height for p in issuer for w in p.words)
    tallest = next((s for s in candidates
                    if median(w.box.height for w in s.words) >= 1.2 * body), candidates[0])
    height = median(w.box.height for w in tallest.words)
    parts = [tallest]
    for segment in candidates:
        last = parts[-1]
        if segment.top > last.top and segment.top - last.box.bottom < height and \
                abs(median(w.box.height for w in segment.words) - height) <= 0.2 * height and \
                segment.box.left < last.box.right and segment.box.right > last.box.left:
            parts.append(segment)
    name = _clean_name(" ".join(p.text for p in parts))
    if not name:
        return None
    box = parts[0].box
    for part in parts[1:]:
        box = box.union(part.box)
    return name, box


def _customers(phrase: Phrase, below: Sequence[Phrase], supplier_cuit: str | None) -> bool:
    """Whether a ``Razón Social`` row is the customer's: it says so, or the nearest CUIT
    at or under it is another one than the supplier's."""
    if any(word in phrase.folded for word in _RECEIVER_WORDS):
        return True
    for row in below:
        cuits = [digits for digits, *_ in find_cuits(row.text)]
        if cuits:
            return supplier_cuit is not None and supplier_cuit not in cuits
    return False


def _plausible(name: str) -> bool:
    folded = fold(name).strip(" .,:;")
    if folded in _PLACES or folded.startswith(_SLOGAN_OPENERS):
        return False
    letters = [c for c in name if c.isalpha()]
    # A short scrap of a logo in lower case ("pre", "od"): not a name.
    return len(letters) >= 5 or all(c.isupper() for c in letters)


def _segment_after(phrase: Phrase, offset: int, following: Sequence[Phrase] = ()) -> str:
    """The words after ``offset`` up to a wide gap, plus a wrapped continuation row."""
    words = [w for w, (s, _) in zip(phrase.words, phrase.spans, strict=True) if s >= offset]
    if not words:
        return ""
    value = split_at_gaps(words)[0]
    text = " ".join(w.text for w in value)
    height = median(w.box.height for w in value)
    for other in following[:1]:
        first = split_at_gaps(other.words)[0]
        if abs(first[0].box.left - value[0].box.left) <= 2 * height and \
                first[0].box.top - value[0].box.bottom <= 1.2 * height and \
                not any(":" in w.text for w in first):
            text += " " + " ".join(w.text for w in first)
    return text


def _clean_name(text: str) -> str | None:
    cleaned = re.sub(r"\s+", " ", text).strip(" :;,-|_")
    return cleaned if sum(c.isalpha() for c in cleaned) >= 3 else None
