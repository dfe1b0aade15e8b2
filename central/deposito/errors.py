"""Expected failures of the deposito use cases (rendered by central.kit.errors)."""

from __future__ import annotations

from shared.domain.errors import Conflict, NotFound, ValidationError


class FieldError(ValidationError):
    """A request value the use case refuses; the endpoints report it under ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFoundError(NotFound):
    """A record named in the path does not exist."""


class Duplicate(Conflict):
    """A sku, barcode or CUIT that another record already holds."""


class WrongState(Conflict):
    """The record is not in a state that allows this (merging a merged product...)."""
