"""Exceptions as the Spanish (es-AR) sentences a person reads: one place for all of them.

The domain raises typed errors with English messages for logs and the command line;
the desktop shows :func:`message_for` instead. The most specific class registered wins
(the exception's MRO is walked). A screen that needs its own wording registers it::

    from desktop.ui.messages import register
    register(UnknownProduct, "No hay ningún producto con ese código.")
    register(DuplicateInvoice, lambda e: f"Esa factura ya se cargó ({e}).")
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import httpx

from desktop.app.auth import LoginRefused
from desktop.app.counter_errors import (
    AlreadyConfirmed,
    AlreadyReverted,
    EmptyCart,
    NothingToRevert,
    PriceMissing,
    ReasonRequired,
    UnknownCode,
    WeightRequired,
    WholeUnitsOnly,
)
from desktop.app.counting import CountClosed, UnknownCountSession
from desktop.app.device import InvalidServerUrl
from desktop.app.intake import DocumentAlreadyRegistered, IntakeLine
from shared.db.store_database import NoStoreDatabase, PassphraseRequired
from shared.domain.cuit import VALID_PREFIXES, format_cuit
from shared.domain.errors import (
    AlreadyExists,
    AmbiguousNumber,
    AuthError,
    ClockDriftError,
    ConfigError,
    Forbidden,
    InexactAmount,
    InvalidBarcode,
    InvalidCuit,
    InvalidNumber,
    MinimarketError,
    NotFound,
    UnknownProduct,
    ValidationError,
    WrongPassphrase,
)
from shared.domain.invoices import MAX_NUMBER, MAX_POINT_OF_SALE
from shared.security.keyslots import KeySlotError
from shared.services.invoices import InvalidDocument
from sync.client import SyncStalled
from sync.transport_http import ProtocolRefused, ServerUnreachable

Text = str | Callable[[BaseException], str]

UNEXPECTED = "Ocurrió un error inesperado. El detalle quedó registrado para soporte técnico."

#: Domain messages that a person may meet, translated word for word.
KNOWN_DETAILS = {
    "the old database belongs to another store":
        "La base de datos vieja pertenece a otra sucursal.",
    "that is this PC's own data folder": "Esa es la carpeta de datos de esta misma PC.",
    "the passphrases do not match": "Las frases de acceso no coinciden.",
    "invalid, used or expired enrollment token":
        "El código de alta no es válido, ya se usó o venció. Pedí uno nuevo a la central.",
    # the counter (Venta / salida, Devolución)
    "the quantity must be above zero": "La cantidad tiene que ser mayor que cero.",
    "the price must be above zero": "El precio tiene que ser mayor que cero.",
    "name the product": "Escribí el nombre del producto.",
    "a scale label carries its own weight or price":
        "La etiqueta de balanza ya trae el peso o el precio: escaneala sin cantidad.",
    "a price label's quantity comes from its price":
        "La cantidad de una etiqueta con precio sale del precio: no se puede cambiar.",
}


def number_text(n: int) -> str:
    """``18.342``: thousands with a dot, as written in Argentina."""
    return f"{n:,}".replace(",", ".")


def count_text(n: int, singular: str, plural: str) -> str:
    """``"1 operación"``, ``"3 operaciones"``."""
    return f"{number_text(n)} {singular if n == 1 else plural}"


def seconds_text(seconds: float) -> str:
    """``"45 s"``, ``"4 min 30 s"``: a wait as a person says it."""
    total = max(1, round(seconds))
    minutes, rest = divmod(total, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"


def login_message(error: LoginRefused) -> str:
    wait = seconds_text(error.retry_after_seconds)
    if error.reason == "locked":
        return (f"Usuario bloqueado por demasiados intentos fallidos. "
                f"Probá de nuevo en {wait}.")
    if error.reason == "wait":
        return f"Demasiados intentos fallidos. Esperá {wait} antes de volver a intentar."
    if error.retry_after_seconds >= 1:
        return f"Usuario, PIN o contraseña incorrectos. Podés reintentar en {wait}."
    return "Usuario, PIN o contraseña incorrectos."


def _detail_or(default: str) -> Callable[[BaseException], str]:
    def text(error: BaseException) -> str:
        return KNOWN_DETAILS.get(str(error), default)

    return text


def _http_status(error: BaseException) -> str:
    status = error.response.status_code if isinstance(error, httpx.HTTPStatusError) else "?"
    return (f"El servidor respondió con un error ({status}). Revisá que la dirección sea la "
            "de la central o del servidor de la sucursal.")


_MESSAGES: dict[type[BaseException], Text] = {
    LoginRefused: lambda e: login_message(e) if isinstance(e, LoginRefused) else UNEXPECTED,
    ServerUnreachable: "No se pudo conectar con el servidor. Revisá la dirección y la conexión; "
                       "no se perdió nada.",
    ProtocolRefused: "El servidor usa otra versión del sistema: hay que actualizar esta "
                     "aplicación.",
    SyncStalled: "La sincronización no pudo terminar: la copia de esta PC no coincide con la "
                 "del servidor. Se vuelve a intentar sola; si sigue, avisá a soporte.",
    ClockDriftError: "La fecha y hora de esta PC difieren demasiado de las del servidor: "
                     "corregilas y volvé a sincronizar.",
    WrongPassphrase: "Frase de acceso incorrecta, o la carpeta no tiene una base de datos de "
                     "Minimarket.",
    PassphraseRequired: "Esta PC no está vinculada a la base de datos: ingresá la frase de "
                        "acceso del operador.",
    NoStoreDatabase: "Esa carpeta no tiene una base de datos de la sucursal.",
    KeySlotError: "El archivo de claves de la carpeta de datos falta o está dañado.",
    AlreadyExists: "Esa carpeta ya tiene una base de datos de la sucursal: no se tocó nada.",
    InvalidServerUrl: "La dirección del servidor no es válida. Ejemplo: "
                      "http://192.168.0.10:8000",
    UnknownProduct: "No hay ningún producto con ese código.",
    NotFound: "No se encontró lo que se buscaba.",
    AuthError: _detail_or("El servidor rechazó esta PC o el código de alta. Pedí un código "
                          "nuevo a la central."),
    Forbidden: "No tenés permiso para hacer eso.",
    ConfigError: "Esta PC no está configurada para eso (¿falta darla de alta en una "
                 "sucursal?).",
    ValidationError: _detail_or("Los datos ingresados no son válidos."),
    MinimarketError: _detail_or("No se pudo completar la operación."),
    httpx.HTTPStatusError: _http_status,
}


def register(error_class: type[BaseException], text: Text) -> None:
    """Add or replace the Spanish text for an exception class (and its subclasses)."""
    _MESSAGES[error_class] = text


def message_for(error: BaseException) -> str:
    """The Spanish sentence to show for ``error``."""
    for cls in type(error).__mro__:
        text = _MESSAGES.get(cls)
        if text is not None:
            return text(error) if callable(text) else text
    return UNEXPECTED


# --- the counter (Venta / salida, Devolución) ----------------------------------------------


def _unknown_code(error: BaseException) -> str:
    code = error.code if isinstance(error, UnknownCode) else ""
    return f"No hay ningún producto con el código o nombre «{code}»."


def _price_missing(error: BaseException) -> str:
    skus = ", ".join(error.skus) if isinstance(error, PriceMissing) else ""
    if "price label" in str(error):  # a price label of a weighed product without a price
        return (f"{skus} no tiene precio hoy: la etiqueta con precio no dice cuánto pesa. "
                "Escribí el peso y escaneá el código del producto.")
    return f"Sin precio de venta: {skus}. Ingresá el precio."


register(UnknownCode, _unknown_code)
register(WeightRequired, lambda e: (f"{e.name} se vende por kilo: escribí el peso (por ejemplo "
                                    "0,750*) y volvé a escanearlo."
                                    if isinstance(e, WeightRequired) else UNEXPECTED))
register(WholeUnitsOnly, "Ese producto se vende por unidad: la cantidad va sin decimales.")
register(PriceMissing, _price_missing)
register(ReasonRequired, "Indicá el motivo: es obligatorio para esta operación.")
register(EmptyCart, "No hay productos cargados: escaneá al menos uno antes de confirmar.")
register(AlreadyConfirmed, "Esa operación ya estaba registrada: se empezó una nueva.")
register(NothingToRevert, "Esta caja todavía no registró ninguna venta ni salida para anular.")
register(AlreadyReverted, "La última operación ya fue anulada: no se puede anular dos veces.")
register(InvalidBarcode, "El código de barras no es válido (no coincide el dígito verificador): "
                         "volvé a escanearlo o revisá lo escrito.")
register(InvalidNumber, "No es un número válido. Ejemplos: 3 · 0,750 · 1.234,50")
register(AmbiguousNumber, "Ese número se lee de dos maneras (¿1.500 es mil quinientos o uno y "
                          "medio?): escribilo sin punto de miles (1500) o con coma decimal "
                          "(1,5).")
register(InexactAmount, "Demasiados decimales: la cantidad admite hasta 3 (gramos) y el precio "
                        "hasta 2 (centavos).")


# --- the back office (Stock, Recepción, Conteo, Precios) ------------------------------------

KNOWN_DETAILS.update({
    "a unit cost cannot be negative": "El costo unitario no puede ser negativo.",
    "a count cannot be negative": "Lo contado no puede ser negativo.",
    "nothing was counted: cancel the count instead":
        "Todavía no se contó nada: cancelá el conteo en lugar de confirmarlo.",
    "type a quantity": "Escribí la cantidad.",
})
_DETAIL_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?P<sku>.+) is sold by the unit: no fractions"),
     lambda m: f"{m['sku']} se vende por unidad: la cantidad va sin decimales."),
    (re.compile(r"the name is longer than (?P<n>[0-9]+) characters"),
     lambda m: f"El nombre es demasiado largo: hasta {m['n']} caracteres."),
    (re.compile(r"(?P<code>[0-9]+) is a weight label: .*"),
     lambda m: f"El código {m['code']} es una etiqueta de peso: el producto se vende por kilo."),
)


def _validation(error: BaseException) -> str:
    detail = str(error)
    known = KNOWN_DETAILS.get(detail)
    if known is not None:
        return known
    for pattern, text in _DETAIL_PATTERNS:
        match = pattern.fullmatch(detail)
        if match is not None:
            return text(match)
    return "Los datos ingresados no son válidos."


def _invalid_cuit(error: BaseException) -> str:
    detail = str(error)
    if "empty" in detail:
        return "Escribí el CUIT."
    if "check digit" in detail:
        return "El CUIT no es válido: no coincide el dígito verificador. Revisá lo escrito."
    if "prefix" in detail:
        prefixes = ", ".join(sorted(VALID_PREFIXES))
        return f"El CUIT no es válido: tiene que empezar con {prefixes}."
    if "digits; a CUIT has" in detail:
        return "Un CUIT tiene 11 dígitos."
    return "Escribí el CUIT como 30-71234567-1, o sus 11 dígitos juntos."


def intake_problem_text(field: str, message: str, lines: Sequence[IntakeLine] = ()) -> str:
    """One problem of a manual intake (``IntakeDraft.problems()``), in Spanish."""
    if field.startswith("lines.") and field.endswith(".unit_cost"):
        index = int(field.split(".")[1])
        name = lines[index].name if index < len(lines) else f"la línea {index + 1}"
        return f"Falta el costo unitario de {name}."
    texts = {
        "supplier": "Elegí el proveedor o escribí su CUIT.",
        "letter": "Elegí el tipo de comprobante.",
        "point_of_sale": f"Punto de venta: de 1 a {number_text(MAX_POINT_OF_SALE)}.",
        "number": f"Número de comprobante: de 1 a {number_text(MAX_NUMBER)}.",
        "lines": "Agregá al menos un producto.",
    }
    return texts.get(field, message)


def _invalid_document(error: BaseException) -> str:
    problems = error.problems if isinstance(error, InvalidDocument) else []
    return "No se puede confirmar el comprobante: " + " ".join(
        intake_problem_text(field, message) for field, message in problems)


def _already_registered(error: BaseException) -> str:
    if not isinstance(error, DocumentAlreadyRegistered):
        return UNEXPECTED
    return (f"Comprobante ya registrado: {error.label} de CUIT {format_cuit(error.cuit)}, "
            f"confirmado el {error.confirmed_on:%d/%m/%Y} en la sucursal {error.store}. "
            "No se carga dos veces.")


def _already_exists(error: BaseException) -> str:
    match = re.fullmatch(r"barcode (?P<code>\S+) already belongs to (?P<sku>.+)", str(error))
    if match is not None:
        return f"El código {match['code']} ya es del producto {match['sku']}."
    return "Esa carpeta ya tiene una base de datos de la sucursal: no se tocó nada."


register(ValidationError, _validation)
register(InvalidCuit, _invalid_cuit)
register(InvalidDocument, _invalid_document)
register(DocumentAlreadyRegistered, _already_registered)
register(AlreadyExists, _already_exists)
register(CountClosed, "Ese conteo ya se cerró (confirmado o cancelado): empezá uno nuevo.")
register(UnknownCountSession, "Ese conteo no existe en esta sucursal.")
