"""Exceptions as the Spanish (es-AR) sentences a person reads: one place for all of them.

The domain raises typed errors with English messages for logs and the command line;
the desktop shows :func:`message_for` instead. The most specific class registered wins
(the exception's MRO is walked). A screen that needs its own wording registers it::

    from desktop.ui.messages import register
    register(UnknownProduct, "No hay ningún producto con ese código.")
    register(DuplicateInvoice, lambda e: f"Esa factura ya se cargó ({e}).")
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from desktop.app.auth import LoginRefused
from desktop.app.device import InvalidServerUrl
from shared.db.store_database import NoStoreDatabase, PassphraseRequired
from shared.domain.errors import (
    AlreadyExists,
    AuthError,
    ClockDriftError,
    ConfigError,
    Forbidden,
    MinimarketError,
    NotFound,
    UnknownProduct,
    ValidationError,
    WrongPassphrase,
)
from shared.security.keyslots import KeySlotError
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
