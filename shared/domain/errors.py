"""Expected failures of the domain, as types.

Every error a user can cause is one of these classes: raised, never returned as a
flag. The HTTP layer maps ``status_code`` to a response in one place; the CLI prints
``str(error)`` on one line.
"""

from __future__ import annotations


class MinimarketError(Exception):
    """Base of every expected failure."""

    status_code = 400


class ValidationError(MinimarketError, ValueError):
    """A value does not have the shape the domain needs."""

    status_code = 422


class InvalidCuit(ValidationError):
    """A CUIT with the wrong length, prefix or check digit."""


class InvalidBarcode(ValidationError):
    """A barcode with the wrong length or check digit."""


class InvalidNumber(ValidationError):
    """A number that cannot be read."""


class AmbiguousNumber(InvalidNumber):
    """A number that reads two ways (``1.500``) unless the decimal mark is given."""


class InexactAmount(ValidationError):
    """An amount with more decimals than its unit allows (a fraction of a cent)."""


class NotFound(MinimarketError):
    status_code = 404


class UnknownProduct(NotFound):
    pass


class UnknownStore(NotFound):
    pass


class Conflict(MinimarketError):
    status_code = 409


class DuplicateInvoice(Conflict):
    pass


class AlreadyExists(Conflict):
    pass


class AuthError(MinimarketError):
    status_code = 401


class Forbidden(MinimarketError):
    status_code = 403


class WrongPassphrase(MinimarketError):
    """The database key is wrong, or the file is not a Minimarket database."""

    status_code = 401

    def __init__(self, message: str = "wrong passphrase or not a Minimarket database") -> None:
        super().__init__(message)


class ConfigError(MinimarketError):
    """The configuration cannot be used (a secret missing in production, say)."""

    status_code = 500


class ClockDriftError(MinimarketError):
    """A remote clock reading is too far ahead of this replica's clock."""

    status_code = 409


class InvalidScaleLayout(ConfigError, ValueError):
    """A scale label layout that cannot describe an EAN-13 (digits not adding up to 10)."""
