"""A line's figures: does quantity × unit price make the amount, and which readings do.

Pure arithmetic over Decimals read from the page. It may pick between two readings of a
cell or drop a misread one; it never invents a number.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from decimal import Decimal

from shared.ocr.model import ReadLine

_TOLERANCE = Decimal("0.02")
_DIGITS = re.compile(r"[0-9]+")


def choose_figures(line: ReadLine, quantities: Sequence[Decimal], prices: Sequence[Decimal],
                   amounts: Sequence[Decimal]) -> bool:
    """Pick, among other readings of a line's quantity, unit price and amount, one that
    replaces (or fills) at most one of the line's own readings so that quantity × unit
    price = amount; set it on ``line`` and return True. Every value comes from a reading
    of the page: when none agrees, the line is left as it was.
    """
    options = []
    for first, others in ((line.quantity, quantities), (line.unit_price, prices),
                          (line.amount, amounts)):
        values = [first] if first is not None else []
        values += [v for v in others if v not in values]
        options.append(values)
    # A figure read without its decimal comma ("6826854" for "68268,54") is the same
    # glyphs read again, with the mark money always has.
    options[2] += [a / 100 for a in options[2] if a == a.to_integral_value() and a >= 100
                   and a / 100 not in options[2]]
    # The same for a quantity: "500" for "5,00" units, "10574" for "10,574" kg.
    options[0] += [q / scale for q in list(options[0]) for scale in (100, 1000)
                   if q is not None and q == q.to_integral_value() and q >= scale
                   and q / scale not in options[0]]
    best: tuple[tuple[int, int], tuple[Decimal, Decimal, Decimal]] | None = None
    for q in options[0]:
        for p in options[1]:
            for a in options[2]:
                if a <= 0 or not _agrees(q, p, a):
                    continue
                same_amount = line.amount is not None and a in (line.amount, line.amount / 100)
                same_quantity = line.quantity is not None and q in (
                    line.quantity, line.quantity / 100, line.quantity / 1000)
                changed = (not same_quantity) + (p != line.unit_price) + (not same_amount)
                if changed > 1:
                    continue  # two cells replaced at once agree by chance too easily
                # On a tie, the amount with its cents: money is printed with them.
                rank = changed, int(a.as_tuple().exponent != -2)
                if best is None or rank < best[0]:
                    best = rank, (q, p, a)
    if best is None:
        return False
    line.quantity, line.unit_price, line.amount = best[1]
    line.confidence = round(min(1.0, line.confidence + 0.2), 2)
    return True


def figures_by_arithmetic(
    figures: Sequence[Sequence[Decimal]],
    current: tuple[Decimal | None, Decimal | None, Decimal | None],
    discount_percent: Decimal | None = None,
) -> tuple[Decimal, Decimal, Decimal] | None:
    """Quantity, unit price and amount found among a row's figures by the arithmetic
    alone, when the columns the header named did not give a line that multiplies out
    (a garbled header, a column the layout shifted).

    ``figures`` holds the readings of each figure printed on the row, left to right
    (the description's own numbers excluded). Three of them, the amount right of the
    other two, with quantity × unit price = amount (less a discount) are the line; the
    quantity left of the price is preferred, then the choice that keeps most of
    ``current`` (the column-based reading). Zeros (an empty bonificación) never count.
    None when no three agree: every value returned was read on the page.
    """
    factor = Decimal(1) - (discount_percent or Decimal(0)) / 100
    best: tuple[tuple[int, int], tuple[Decimal, Decimal, Decimal]] | None = None
    for k in range(2, len(figures)):
        for i, j in itertools.permutations(range(k), 2):
            for q, p, a in itertools.product(figures[i], figures[j], figures[k]):
                # (the slack of the smaller: either may be the price)
                if min(q, p, a) <= 0 or \
                        abs(q * p * factor - a) > _TOLERANCE + min(q, p) * Decimal("0.005"):
                    continue
                kept = (q == current[0]) + (p == current[1]) + (a == current[2])
                rank = (int(i < j), kept)
                if best is None or rank > best[0]:
                    best = rank, (q, p, a)
    if best is None:
        return None
    q, p, a = best[1]
    return (q / 100, p, a / 100) if _both_marks_lost(q, a) else (q, p, a)


def _agrees(quantity: Decimal, unit_price: Decimal, amount: Decimal) -> bool:
    """Whether quantity × unit price is the amount, up to what rounding the printed
    price to cents can do (half a cent a unit) and rounding the amount itself: a misread
    digit of a large amount is not within it."""
    slack = abs(quantity) * Decimal("0.005") + Decimal("0.01")
    return abs(quantity * unit_price - amount) <= max(_TOLERANCE, slack)


def check_line(
    quantity: Decimal | None, unit_price: Decimal | None, amount: Decimal | None,
    discount_percent: Decimal | None = None,
) -> tuple[Decimal | None, Decimal | None, Decimal | None, bool]:
    """Quantity, unit price and amount after the ``quantity × price ≈ amount`` check.

    Returns the three values and whether they agree. When all three are read and
    disagree, the amount is kept (it is what the totals add up) and the cell that makes
    the product wrong is dropped: a quantity that divides out to the amount is taken
    from the division only if it is a whole number or has at most three decimals and the
    printed one looks misread; an amount that quantity × price gives back with one digit
    of difference (changed, dropped or added) is taken for a misread digit; otherwise
    the unit price is dropped. Nothing missing is ever filled in.
    """
    if quantity is None or unit_price is None or amount is None:
        return quantity, unit_price, amount, False
    factor = Decimal(1) - (discount_percent or Decimal(0)) / 100
    if _agrees(quantity, unit_price * factor, amount):
        if _both_marks_lost(quantity, amount):
            return quantity / 100, unit_price, amount / 100, True
        return quantity, unit_price, amount, True
    if amount.as_tuple().exponent == 0 and amount >= 100 and \
            _agrees(quantity, unit_price * factor, amount / 100):
        return quantity, unit_price, amount / 100, True  # the amount's comma went unread
    if unit_price.as_tuple().exponent == 0 and unit_price >= 100 and \
            _agrees(quantity, unit_price / 100 * factor, amount):
        return quantity, unit_price / 100, amount, True  # the price's comma went unread
    # A line without a discount printed but with one applied: the amount is the truth.
    if unit_price != 0:
        implied = (amount / (unit_price * factor)).quantize(Decimal("0.001"))
        if implied > 0 and abs(implied * unit_price * factor - amount) <= _TOLERANCE and \
                _looks_like(quantity, implied):
            return implied.normalize(), unit_price, amount, True
    if quantity != 0:
        implied_price = amount / (quantity * factor)
        if implied_price == implied_price.quantize(Decimal("0.01")) and \
                _looks_like(unit_price, implied_price):
            return quantity, implied_price.quantize(Decimal("0.01")), amount, True
    # The amount with one digit slipped ("89.628,79" for "89.628,70", "4.349,26" for
    # "34.349,26"): quantity and price agree on what it says.
    product = (quantity * unit_price * factor).quantize(Decimal("0.01"))
    if product > 0 and _looks_like(amount, product) and _digit_slip(amount, product):
        return quantity, unit_price, product, True
    return quantity, None, amount, False


def only_marks_put_back(read: tuple[Decimal | None, Decimal | None, Decimal | None],
                        checked: tuple[Decimal | None, Decimal | None, Decimal | None]) -> bool:
    """Whether ``check_line`` gave back the figures as read, or with no change but
    decimal commas put back (on the quantity, the unit price or the amount): no digit
    taken from the arithmetic."""
    (q, p, a), (q2, p2, a2) = read, checked
    if q is None or p is None or a is None:
        return (q, p, a) == (q2, p2, a2)
    return q2 in (q, q / 100) and p2 in (p, p / 100) and a2 in (a, a / 100)


def _both_marks_lost(quantity: Decimal, amount: Decimal) -> bool:
    """"400" units and "842628" for "4,00" and "8.426,28": a line still multiplies out
    when the decimal comma of both its quantity and its amount went unread. An amount
    read without cents that does not end in 00 lost its comma (money is printed with
    cents), and then so did the quantity, a whole hundred times too big."""
    return (amount.as_tuple().exponent == 0 and amount >= 100 and amount % 100 != 0
            and quantity >= 100 and quantity % 100 == 0)


def _digit_slip(read: Decimal, computed: Decimal) -> bool:
    """True when the two figures differ in their digits, not just in the decimal mark
    (an amount read as "4859388" for "48593,88" is the mark, left to the caller, and so
    is "10613,16" against a product of "106131600" made of a quantity and a price that
    both lost theirs)."""
    return _digits_of(read) != _digits_of(computed)


def _digits_of(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", "").lstrip("0").rstrip("0")


def _looks_like(read: Decimal, computed: Decimal) -> bool:
    """True when ``computed`` differs from the read value by the kind of slip OCR makes:
    one digit changed, one dropped or added, or a decimal mark lost."""
    exponent = read.as_tuple().exponent
    if isinstance(exponent, int) and exponent < 0 and \
            computed == computed.quantize(Decimal(1).scaleb(exponent)):
        # "4,09" against 4: compared as printed, "4,00", one digit apart
        computed = computed.quantize(Decimal(1).scaleb(exponent))
        a, b = _DIGITS.findall(format(read, "f")), _DIGITS.findall(format(computed, "f"))
        if len("".join(a)) == len("".join(b)):
            return sum(x != y for x, y in zip("".join(a), "".join(b), strict=True)) <= 1
    a = _DIGITS.findall(format(read.normalize(), "f"))
    b = _DIGITS.findall(format(computed.normalize(), "f"))
    left, right = "".join(a), "".join(b)
    if left == right or left.rstrip("0") == right.rstrip("0"):
        return True  # only the decimal mark moved ("500" read for "5,00")
    if len(left) == len(right):
        return sum(x != y for x, y in zip(left, right, strict=True)) == 1
    if abs(len(left) - len(right)) == 1:
        longer, shorter = (left, right) if len(left) > len(right) else (right, left)
        return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))
    return False


def leading_parts(value: Decimal) -> list[Decimal]:
    """The numbers a quantity's leading glyphs make when it ran into the next column:
    ``1246472`` gives 1, 12, 124 …, ``3.80113118`` gives 3.8, 3.80, 3.801 (at most three
    decimals, as quantities are printed). Only for values too long to be one quantity."""
    text = format(value, "f")
    whole, _, fraction = text.partition(".")
    if len(fraction) <= 3 and len(whole) <= 5:
        return []
    parts: list[Decimal] = []
    for end in range(1, len(text)):
        head = text[:end]
        if head.endswith(".") or len(head.partition(".")[2]) > 3:
            continue
        number = Decimal(head)  # "10" and "10,0" both: only the second shows a comma
        if number > 0:
            parts.append(number)
    return parts
