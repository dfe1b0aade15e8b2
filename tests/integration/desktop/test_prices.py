"""Price changes to relabel (Precios): listed until marked, marks kept on this PC only."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from desktop.app.prices import (
    labels_html,
    labels_text,
    mark_relabelled,
    mark_relabelled_in,
    price_changes_since_relabel,
    price_text,
)
from shared.db import tables as t
from sync.client import outbox_counts
from tests.integration.desktop.backoffice_data import STORE, YERBA_EAN, make_backoffice
from tests.integration.desktop.store_folder import PRODUCT_ID, STORE_ID, make_store_folder

DAY = date(2026, 3, 10)


@pytest.fixture
def office(make_engine):
    return make_backoffice(make_engine("sqlcipher"))


def new_price(office, sku, cents, effective, store=None):
    with office.as_hq() as hq:
        hq.append("price", {"product_id": office.products[sku], "store_id": store,
                            "price_cents": cents, "effective_from": effective})


def changes(office, day):
    with office.read() as session:
        return [(c.sku, c.old_price_cents, c.new_price_cents, c.since)
                for c in price_changes_since_relabel(session, STORE, day)]


def test_changes_appear_after_a_new_price_and_disappear_once_relabelled(office):
    assert changes(office, DAY) == []  # the catalog's prices are two years old
    new_price(office, "YE1", 480_000, DAY - timedelta(days=2))
    new_price(office, "AZ1", 160_000, DAY + timedelta(days=1))  # not yet in effect
    new_price(office, "AC1", 330_000, DAY - timedelta(days=1), store=STORE)  # this store's
    new_price(office, "FI1", 95_000, DAY - timedelta(days=90))  # long ago: assumed done
    assert changes(office, DAY) == [
        ("AC1", 320_000, 330_000, DAY - timedelta(days=1)),
        ("YE1", 450_000, 480_000, DAY - timedelta(days=2)),
    ]
    with office.read() as session, session.begin():
        assert mark_relabelled_in(session, STORE, [office.products["YE1"]], DAY) == 1
    assert [sku for sku, *_ in changes(office, DAY)] == ["AC1"]
    assert [sku for sku, *_ in changes(office, DAY + timedelta(days=1))] == ["AC1", "AZ1"]

    new_price(office, "YE1", 500_000, DAY + timedelta(days=3))
    later = DAY + timedelta(days=3)
    with office.read() as session:
        listed = {c.sku: c for c in price_changes_since_relabel(session, STORE, later)}
    assert (listed["YE1"].old_price_cents, listed["YE1"].new_price_cents,
            listed["YE1"].since) == (480_000, 500_000, later)  # from the price marked
    assert listed["YE1"].marked_at is not None and listed["AC1"].marked_at is None
    assert listed["YE1"].barcode == YERBA_EAN and listed["YE1"].difference_cents == 20_000

    new_price(office, "YE1", 480_000, DAY + timedelta(days=4))  # back to the label's price
    assert "YE1" not in [sku for sku, *_ in changes(office, DAY + timedelta(days=4))]


def test_printable_lists_show_the_new_prices():
    from desktop.app.prices import PriceChange

    change = PriceChange(PRODUCT_ID, "YE1", "Yerba <1 kg>", "unidad", YERBA_EAN, 450_000,
                         1_234_550, DAY, None)
    cheese = PriceChange(STORE_ID, "QU1", "Queso cremoso", "kg", None, 800_000, 850_000, DAY,
                         None)
    assert price_text(1_234_550) == "$ 12.345,50" and price_text(-5) == "-$ 0,05"
    text = labels_text([change, cheese])
    assert text.splitlines()[0].split() == [
        "YE1", "Yerba", "<1", "kg>", "$", "4.500,00", "->", "$", "12.345,50", "(desde",
        "10/03/2026)"]
    assert "$ 8.500,00 el kg" in text.splitlines()[1]
    page = labels_html([change, cheese], title="Etiquetas")
    assert "Yerba &lt;1 kg&gt;" in page and "$ 12.345,50" in page and YERBA_EAN in page
    assert page.count('class="label"') == 2 and "<title>Etiquetas</title>" in page
    assert labels_text([]) == ""


def test_marks_are_kept_on_this_pc_only(tmp_path):
    store, _ = make_store_folder(tmp_path)
    try:
        with store.transaction() as session:
            before = (session.scalar(select(func.count()).select_from(t.OperationRow)),
                      outbox_counts(session)["pending"])
        assert mark_relabelled(store, [PRODUCT_ID]) == 1
        with store.transaction() as session:
            after = (session.scalar(select(func.count()).select_from(t.OperationRow)),
                     outbox_counts(session)["pending"])
            mark = session.get(t.ReplicaMeta, f"relabel:{PRODUCT_ID.hex}")
            assert mark is not None and '"price_cents": null' in mark.value  # no price yet
        assert after == before  # no operation: nothing to replicate
    finally:
        store.engine.dispose()
