"""Shelf prices from supplier costs: markup, VAT and price endings, as pure functions.

The rule set:

- **Which rule.** A rule has a scope: ``supplier`` (the product's supplier), ``category``
  (the product's category, compared without case or extra spaces) or ``default`` (every
  product). Among the active rules that apply to a product, a supplier rule beats a
  category rule, which beats a default rule; within the same scope the larger
  ``priority`` wins; on a tie, the rule with the smaller id (the older one) wins.
- **The raw price.** ``net cost × (1 + markup) × (1 + VAT)``, rounded to the cent once at
  the end (halves up). The markup is over the net cost, before VAT; shelf prices
  include VAT.
- **The ending.** The raw price is rounded *up* to the next price that ends in
  ``ending`` within steps of ``step``: the smallest ``p ≥ raw`` with
  ``p ≡ ending (mod step)``. Examples: step $10, ending $9 gives 1.239 for a raw 1.230,01
  (and 1.229 stays 1.229); step $100, ending $90 gives 1.290; step $100, ending $99 gives
  1.299; step $1, ending $0 rounds up to whole pesos. Rounding up never eats the margin,
  and the price moves by less than one step.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from shared.domain.enums import VatRate
from shared.domain.errors import ValidationError
from shared.domain.invoices import BP_PER_UNIT, divide_half_up

MAX_MARKUP_BP = 100_000  # 1,000 %
DEFAULT_STEP_CENTS = 1_000  # $10
DEFAULT_ENDING_CENTS = 900  # ... ending in $9
RATIO_QUANTUM = Decimal("0.0001")  # ratios (0.3500 = 35 %) to four decimals


class RuleScope(StrEnum):
    DEFAULT = "default"
    CATEGORY = "category"
    SUPPLIER = "supplier"

    @property
    def specificity(self) -> int:
        return {"default": 0, "category": 1, "supplier": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Rounding:
    step_cents: int = DEFAULT_STEP_CENTS
    ending_cents: int = DEFAULT_ENDING_CENTS

    def __post_init__(self) -> None:
        check_rounding(self.step_cents, self.ending_cents)

    def apply(self, raw_cents: int) -> int:
        return round_to_ending(raw_cents, self.step_cents, self.ending_cents)


def check_rounding(step_cents: int, ending_cents: int) -> None:
    if step_cents <= 0:
        raise ValidationError("the rounding step must be more than zero")
    if not 0 <= ending_cents < step_cents:
        raise ValidationError("the ending must be at least zero and less than the rounding step")


def round_to_ending(raw_cents: int, step_cents: int, ending_cents: int) -> int:
    """The smallest price ``>= raw_cents`` that ends in ``ending_cents`` modulo ``step_cents``."""
    check_rounding(step_cents, ending_cents)
    steps_up = -((ending_cents - raw_cents) // step_cents)  # ceil((raw - ending) / step)
    return ending_cents + steps_up * step_cents


def normalize_category(text: str | None) -> str | None:
    """Categories compare without case or repeated spaces: "Almacén " is "almacén"."""
    if text is None:
        return None
    cleaned = " ".join(text.split()).casefold()
    return cleaned or None


@dataclass(frozen=True, slots=True)
class Rule:
    id: uuid.UUID
    scope: RuleScope
    scope_value: str | None  # the category, or the supplier id as text; None for default
    markup_bp: int
    rounding: Rounding = Rounding()
    priority: int = 0
    active: bool = True
    name: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.markup_bp <= MAX_MARKUP_BP:
            raise ValidationError(f"markup must be 0 to {MAX_MARKUP_BP // 100} %")
        if (self.scope is RuleScope.DEFAULT) != (self.scope_value is None):
            raise ValidationError("a default rule has no scope value; the others need one")

    def applies_to(self, *, category: str | None, supplier_id: uuid.UUID | None) -> bool:
        if not self.active:
            return False
        if self.scope is RuleScope.DEFAULT:
            return True
        if self.scope is RuleScope.CATEGORY:
            wanted = normalize_category(category)
            return wanted is not None and wanted == normalize_category(self.scope_value)
        return supplier_id is not None and str(supplier_id) == self.scope_value


def choose_rule(
    rules: Iterable[Rule], *, category: str | None, supplier_id: uuid.UUID | None
) -> Rule | None:
    """The rule for a product: most specific scope, then highest priority, then oldest id."""
    candidates = [r for r in rules if r.applies_to(category=category, supplier_id=supplier_id)]
    if not candidates:
        return None
    best_rank = max((r.scope.specificity, r.priority) for r in candidates)
    return min(
        (r for r in candidates if (r.scope.specificity, r.priority) == best_rank),
        key=lambda r: r.id,
    )


def raw_shelf_price(net_cost_cents: int, markup_bp: int, vat: VatRate) -> int:
    """``net × (1 + markup) × (1 + VAT)`` in cents, rounded once (halves up)."""
    if net_cost_cents < 0:
        raise ValidationError("a cost cannot be negative")
    numerator = net_cost_cents * (BP_PER_UNIT + markup_bp) * (BP_PER_UNIT + vat.basis_points)
    return divide_half_up(numerator, BP_PER_UNIT * BP_PER_UNIT)


@dataclass(frozen=True, slots=True)
class PriceSuggestion:
    net_cost_cents: int
    raw_cents: int  # before the ending
    price_cents: int  # VAT included, with the rule's ending
    rule: Rule


def suggest_price(net_cost_cents: int, vat: VatRate, rule: Rule) -> PriceSuggestion:
    raw = raw_shelf_price(net_cost_cents, rule.markup_bp, vat)
    return PriceSuggestion(net_cost_cents, raw, rule.rounding.apply(raw), rule)


def markup_of_price(price_cents: int, net_cost_cents: int, vat: VatRate) -> Decimal | None:
    """The markup over net cost a shelf price (VAT included) gives, as a ratio (0.35)."""
    if net_cost_cents <= 0:
        return None
    net_price = Decimal(price_cents * BP_PER_UNIT) / (BP_PER_UNIT + vat.basis_points)
    return (net_price / net_cost_cents - 1).quantize(RATIO_QUANTUM, ROUND_HALF_UP)


def change_ratio(old_cents: int | None, new_cents: int) -> Decimal | None:
    """``new / old - 1`` to four decimals; None without an old value."""
    if old_cents is None or old_cents <= 0:
        return None
    return (Decimal(new_cents) / old_cents - 1).quantize(RATIO_QUANTUM, ROUND_HALF_UP)
