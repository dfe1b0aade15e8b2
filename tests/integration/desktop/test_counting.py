"""Count sessions (Conteo) on the store's SQLCipher database: each item at its own time."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from desktop.app.counting import (
    CountClosed,
    CountStatus,
    UnknownCountSession,
    cancel_count,
    commit_count,
    count_item,
    count_review,
    open_counts,
    start_count,
)
from desktop.app.stock_actions import move
from shared.db import tables as t
from shared.db.stock_levels import cached_levels, compute_levels
from shared.domain.enums import MovementKind
from shared.domain.errors import ValidationError
from shared.domain.ids import new_id
from shared.ops.apply import apply_operations
from shared.ops.model import Operation, OpKind
from tests.integration.desktop.backoffice_data import (
    AZUCAR_EAN,
    STORE,
    ean13,
    make_backoffice,
)


@pytest.fixture
def office(make_engine):
    return make_backoffice(make_engine("sqlcipher"))


def levels(office):
    """Cached levels by sku in whole units; the cache agrees with the ledger."""
    with office.read() as session:
        cached = cached_levels(session)
        assert {k: v for k, v in cached.items() if v} == {
            k: v for k, v in compute_levels(session).items() if v}
    return {sku: Decimal(cached.get((STORE, pid), 0)) / 1000
            for sku, pid in office.products.items()}


def entry_hlc(office, entry_id):
    with office.read() as session:
        return session.get(t.CountEntry, entry_id).hlc


def late_sale(office, product_id, hlc):
    """Another PC's sale made at ``hlc``, arriving through sync only now."""
    with office.read() as session, session.begin():
        apply_operations(session, [Operation(
            new_id(), hlc, uuid.uuid4(), None, OpKind.APPEND, "stock_movement", new_id(),
            STORE, {"store_id": str(STORE), "product_id": str(product_id),
                    "kind": int(MovementKind.SALE), "qty_milli": -1000,
                    "occurred_at": datetime.now(UTC).isoformat()})])


def test_items_counted_at_different_times_with_sales_between_follow_the_ledger(office):
    office.write(move, "YE1", MovementKind.INTAKE, Decimal(10))
    office.write(move, "AZ1", MovementKind.INTAKE, Decimal(10))
    count_id = office.write(start_count, "  Góndola   3 ")

    yerba = office.write(count_item, count_id, "YE1", Decimal(8))
    assert (yerba.counted, yerba.expected, yerba.difference, yerba.recount) == (8, 10, -2, False)
    office.write(move, "YE1", MovementKind.SALE, Decimal(1))  # after the yerba was counted
    office.write(move, "AZ1", MovementKind.SALE, Decimal(2))  # before the sugar is counted
    azucar = office.write(count_item, count_id, AZUCAR_EAN, 7)
    assert (azucar.expected, azucar.difference) == (8, -1)
    assert levels(office)["YE1"] == 7 and levels(office)["AZ1"] == 7

    # A sale from another PC between the two counts syncs in late: it comes after the
    # yerba's count (it takes stock away) and before the sugar's (it was on the shelf
    # count already). Committing the session at the end changes none of this.
    middle = (entry_hlc(office, yerba.entry_id) + entry_hlc(office, azucar.entry_id)) // 2
    late_sale(office, office.products["YE1"], middle)
    late_sale(office, office.products["AZ1"], middle)
    assert levels(office)["YE1"] == 6 and levels(office)["AZ1"] == 7

    with office.read() as session:
        review = count_review(session, STORE, count_id)
    assert review.session.notes == "Góndola 3" and review.session.status is CountStatus.OPEN
    assert [(i.sku, i.expected, i.counted, i.difference, i.level_now, i.times_counted)
            for i in review.items] == [
        ("AZ1", 7, 7, 0, 7, 1),  # 10 - 2 - 1 (the late sale): exactly what was counted
        ("YE1", 10, 8, -2, 6, 1),
    ]
    assert [i.sku for i in review.with_difference] == ["YE1"]
    assert review.items[1].counted_at < review.items[0].counted_at

    again = office.write(count_item, count_id, "YE1", 9)  # a recount replaces the first
    assert again.recount and levels(office)["YE1"] == 9
    final = office.write(commit_count, count_id)
    assert final.session.status is CountStatus.COMMITTED and final.session.committed_at
    yerba_row = next(i for i in final.items if i.sku == "YE1")
    # compared with the ledger (10 - 1 - 1), not with the first count of this session
    assert (yerba_row.expected, yerba_row.counted, yerba_row.difference,
            yerba_row.times_counted) == (8, 9, 1, 2)
    assert levels(office)["YE1"] == 9 and levels(office)["AZ1"] == 7
    with pytest.raises(CountClosed):
        office.write(count_item, count_id, "YE1", 1)
    with office.read() as session:
        assert open_counts(session, STORE) == []
        entries = session.scalars(select(t.CountEntry).order_by(t.CountEntry.hlc)).all()
    assert [(e.qty_milli, e.count_session_id) for e in entries] == [
        (8_000, count_id), (7_000, count_id), (9_000, count_id)]


def test_cancelling_closes_the_session_and_keeps_what_was_already_counted(office):
    office.write(move, "QU1", MovementKind.INTAKE, Decimal("2.5"))
    count_id = office.write(start_count)
    when = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    cheese = office.write(count_item, count_id, ean13("201234500350"), None, when)  # 350 g
    assert (cheese.sku, cheese.counted, cheese.expected, cheese.difference,
            cheese.counted_at) == ("QU1", Decimal("0.350"), Decimal("2.500"),
                                   Decimal("-2.150"), when)
    with office.read() as session:
        assert [c.session_id for c in open_counts(session, STORE)] == [count_id]
    kept = office.write(cancel_count, count_id)
    assert kept.session.status is CountStatus.CANCELLED
    assert [(i.sku, i.counted) for i in kept.items] == [("QU1", Decimal("0.350"))]
    assert levels(office)["QU1"] == Decimal("0.350")  # an observation stays true
    with pytest.raises(CountClosed):
        office.write(commit_count, count_id)
    with office.read() as session:
        assert open_counts(session, STORE) == []


def test_bad_counts_are_refused_with_a_reason(office):
    count_id = office.write(start_count)
    with pytest.raises(ValidationError, match="nothing was counted"):
        office.write(commit_count, count_id)
    with pytest.raises(ValidationError, match="by the unit"):
        office.write(count_item, count_id, "YE1", Decimal("1.5"))
    with pytest.raises(ValidationError, match="type a quantity"):
        office.write(count_item, count_id, "YE1", None)
    with pytest.raises(ValidationError, match="negative"):
        office.write(count_item, count_id, "YE1", -1)
    with pytest.raises(UnknownCountSession):
        office.write(count_item, uuid.uuid4(), "YE1", 1)
    with office.read() as session:
        assert session.scalars(select(t.CountEntry)).all() == []
    assert office.write(count_item, count_id, "YE1", 0).counted == 0  # an empty shelf
