"""The failures a cashier can meet at the counter, as types the screens map to Spanish.

Each derives from a class of :mod:`shared.domain.errors`, so code that only knows the
domain's classes (the command line, the generic message helper) still handles them.
Messages are English, for logs and the command line.
"""

from __future__ import annotations

import uuid

from shared.domain.errors import Conflict, NotFound, UnknownProduct, ValidationError


class UnknownCode(UnknownProduct):
    """No product has this SKU, barcode or scale item.

    ``barcode`` is the code a provisional product would be registered under (a valid
    EAN-8, UPC-A or EAN-13; for a scale label, the label with its value zeroed), or None
    when what was typed is not a barcode, so no product can be created for it.
    """

    def __init__(self, code: str, barcode: str | None) -> None:
        self.code = code
        self.barcode = barcode
        super().__init__(f"no product with SKU or barcode {code!r}")


class WeightRequired(ValidationError):
    """A weighed product was scanned without a weight: ask for one and add it again."""

    def __init__(self, sku: str, name: str) -> None:
        self.sku, self.name = sku, name
        super().__init__(f"{sku} is sold by weight: type the weight")


class WholeUnitsOnly(ValidationError):
    """A fraction of a product sold by the unit."""

    def __init__(self, sku: str) -> None:
        self.sku = sku
        super().__init__(f"{sku} is sold by the unit: no fractions")


class PriceMissing(ValidationError):
    """A product with no shelf price where one is needed (a sale, a price label)."""

    def __init__(self, skus: list[str], message: str | None = None) -> None:
        self.skus = skus
        super().__init__(message or f"no price for {', '.join(skus)}: type one")


class ReasonRequired(ValidationError):
    """A waste, adjustment, supplier return or customer return must say why."""


class EmptyCart(ValidationError):
    """Confirming a cart with no lines."""


class AlreadyConfirmed(Conflict):
    """This cart's document is already recorded (a second press of the confirm key)."""

    def __init__(self, document_id: uuid.UUID) -> None:
        self.document_id = document_id
        super().__init__(f"document {document_id} is already recorded: clear the cart")


class NothingToRevert(NotFound):
    """This PC has confirmed no sale or stock-out yet."""


class AlreadyReverted(Conflict):
    """This PC's last document has already been reverted."""

    def __init__(self, document_id: uuid.UUID) -> None:
        self.document_id = document_id
        super().__init__(f"the last operation ({document_id}) was already reverted")
