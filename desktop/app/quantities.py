"""Small helpers the back-office use cases share: typed quantities and the business day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from shared.domain.enums import Unit
from shared.domain.errors import ValidationError
from shared.domain.numbers import to_milli
from shared.settings import BUSINESS_TIMEZONE, business_day


def quantity_milli(
    sku: str | None, unit: str | None, quantity: Decimal | int | None,
    weight: Decimal | None = None,
) -> int:
    """A typed quantity in thousandths; a scale label's weight when none is typed.

    Goods sold by the unit take whole numbers only (``0.5`` of a bottle is a typo).
    """
    if quantity is None:
        if weight is None:
            raise ValidationError("type a quantity")
        quantity = weight
    milli = to_milli(quantity)
    if unit != Unit.KG.value and milli % 1000:
        raise ValidationError(f"{sku or 'the product'} is sold by the unit: no fractions")
    return milli


def today() -> date:
    """Today's business day (America/Argentina/Buenos_Aires)."""
    return business_day(datetime.now(UTC))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The business day ``day`` as a half-open UTC range ``[start, end)``."""
    start = datetime.combine(day, time(0), tzinfo=BUSINESS_TIMEZONE)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=BUSINESS_TIMEZONE)
    return start.astimezone(UTC), end.astimezone(UTC)
