"""The rule that reports a merged product's stock on the product it joined (pure)."""

import uuid

from shared.domain.ledger import Count, Movement
from shared.ops.model import version_stamp
from shared.services.stock import merged_member_level, parse_stamp

STORE, MEMBER = uuid.UUID(int=1), uuid.UUID(int=2)
DEVICE = uuid.UUID(int=9)
PAIR = (STORE, MEMBER)


def key(hlc):
    return (hlc, DEVICE, uuid.UUID(int=1000 + hlc))


def sale(hlc, qty):
    return Movement(STORE, MEMBER, key(hlc), -qty * 1000)


def intake(hlc, qty):
    return Movement(STORE, MEMBER, key(hlc), qty * 1000)


def test_without_a_later_count_of_the_root_the_member_keeps_its_own_level():
    movements = [intake(1, 5), sale(3, 1), sale(20, 1)]
    assert merged_member_level(PAIR, movements, [], [], since=key(10)) == 3000
    # a root count from before the merge observed the root's shelf only
    assert merged_member_level(PAIR, movements, [], [key(5)], since=key(10)) == 3000


def test_a_root_count_after_the_merge_zeroes_the_member_but_later_movements_add():
    movements = [intake(1, 5), sale(12, 1), sale(30, 2)]
    assert merged_member_level(PAIR, movements, [], [key(20)], since=key(10)) == -2000
    assert merged_member_level(PAIR, movements, [], [key(20), key(40)], since=key(10)) == 0


def test_a_later_count_of_the_member_itself_still_governs():
    movements = [intake(1, 5), sale(50, 1)]
    counts = [Count(STORE, MEMBER, key(45), 4000)]
    assert merged_member_level(PAIR, movements, counts, [key(20)], since=key(10)) == 3000


def test_version_stamps_read_back_as_order_keys():
    op = uuid.UUID(int=77)
    stamp = version_stamp(123456, DEVICE, op)
    assert parse_stamp(stamp) == (123456, DEVICE, op)
    assert parse_stamp(None) < parse_stamp(stamp)
