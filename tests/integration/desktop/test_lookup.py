"""Stock search as you type and a product's history, on the store's SQLCipher database."""

import uuid
from decimal import Decimal

import pytest

from desktop.app.catalog_index import CatalogIndex
from desktop.app.intake import IntakeDraft, SupplierRef, confirm_intake
from desktop.app.lookup import EXACT_SCORE, HistorySource, product_history, search_products
from desktop.app.stock_actions import count, move
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.ids import new_id
from shared.ops.apply import apply_operations
from shared.ops.model import Operation, OpKind
from shared.ops.recorder import Recorder
from tests.integration.desktop.backoffice_data import (
    KNOWN_CUIT,
    QUESO_CODE,
    STORE,
    YERBA_EAN,
    ean13,
    make_backoffice,
)


@pytest.fixture
def office(make_engine):
    return make_backoffice(make_engine("sqlcipher"))


def search(office, text, **kwargs):
    with office.read() as session:
        return search_products(session, STORE, text, **kwargs)


def skus(rows):
    return [row.sku for row in rows]


def test_search_finds_names_with_or_without_accents_and_with_a_typo(office):
    assert skus(search(office, "azucar"))[0] == "AZ1"
    assert skus(search(office, "AZÚCAR ledesma")) == ["AZ1"]
    assert skus(search(office, "azucr")) == ["AZ1"]  # a letter missing
    assert skus(search(office, "yrba playadto")) == ["YE1", "CJ-7790001000019"]
    assert skus(search(office, "tallarin"))[0] == "FI1"  # "tallarín" in the catalog
    assert skus(search(office, "erba")) == ["YE1", "CJ-7790001000019"]  # inside a word
    assert skus(search(office, "leche")) == []  # no typo for a word far from any
    assert search(office, "girasol natura")[0].name == "Aceite de girasol Natura 1,5 l"
    assert search(office, "xyzzy") == [] and search(office, "  ") == []


def test_an_exact_barcode_or_sku_comes_first(office):
    # the box's sku holds the yerba's EAN as a word: both match, the exact code first
    rows = search(office, YERBA_EAN)
    assert skus(rows) == ["YE1", "CJ-7790001000019"]
    assert (rows[0].matched_by, rows[0].score) == ("barcode", EXACT_SCORE)
    assert rows[1].matched_by == "text" and rows[1].score < EXACT_SCORE
    assert search(office, "ye1")[0].sku == "YE1"  # a sku in any case
    label = search(office, ean13("201234500350"))  # a scale label: 350 g of cheese
    assert (label[0].sku, label[0].matched_by, label[0].weight) == (
        "QU1", "scale", Decimal("0.350"))
    assert search(office, QUESO_CODE[:7])[0].sku == "QU1"  # the start of a barcode


def test_rows_carry_level_price_minimum_and_the_below_minimum_flag(office):
    office.write(move, "YE1", MovementKind.INTAKE, Decimal(2))  # minimum 3
    office.write(move, "AZ1", MovementKind.INTAKE, Decimal(9))  # minimum 5
    office.write(move, "QU1", MovementKind.INTAKE, Decimal("0.750"))  # minimum 1 kg
    with office.as_hq() as hq:  # this store's own price beats the chain-wide one
        hq.append("price", {"product_id": office.products["AZ1"], "store_id": STORE,
                            "price_cents": 155_000, "effective_from": "2024-01-02"})
    yerba, = [row for row in search(office, "yerba") if row.sku == "YE1"]
    assert (yerba.level, yerba.level_milli, yerba.minimum) == (2, 2_000, 3)
    assert yerba.below_minimum and yerba.price_cents == 450_000 and not yerba.provisional
    azucar = search(office, "azucar")[0]
    assert (azucar.level, azucar.below_minimum, azucar.price_cents) == (9, False, 155_000)
    queso = search(office, "queso")[0]
    assert (queso.unit, queso.level, queso.minimum, queso.below_minimum) == (
        "kg", Decimal("0.750"), 1, True)
    fideos = search(office, "fideos")[0]
    assert (fideos.level, fideos.minimum, fideos.below_minimum) == (0, None, False)


def test_provisional_products_are_found_and_flagged(office):
    with office.as_hq() as recorder:  # as if pulled from another PC of the store
        product = uuid.uuid4()
        recorder.upsert("product", product, {"sku": "PROV-1", "name": "Alfajor triple",
                                             "unit": "unidad", "provisional": True},
                        store_id=STORE)
    row, = search(office, "alfajor")
    assert (row.product_id, row.provisional, row.price_cents) == (product, True, None)


def test_the_index_reloads_only_when_the_catalog_changed(office):
    index = CatalogIndex()
    assert skus(search(office, "fideos", index=index)) == ["FI1"]
    office.write(move, "FI1", MovementKind.INTAKE, Decimal(4))
    with office.read() as session:
        assert index.refresh(session) is False  # a movement is not a catalog change
    assert search(office, "fideos", index=index)[0].level == 4
    with office.as_hq() as hq:
        hq.upsert("product", office.products["FI1"], {"name": "Spaghetti Marolio 500 g"})
    assert search(office, "fideos", index=index) == []
    assert skus(search(office, "spagueti", index=index)) == ["FI1"]  # a typo


def test_history_lists_movements_and_counts_newest_first_with_who_and_where(office):
    user = uuid.uuid4()
    with office.as_hq() as hq:
        hq.upsert("user", user, {"username": "beto", "full_name": "Beto Gómez",
                                 "store_id": STORE}, store_id=STORE)
    office.write(move, "YE1", MovementKind.INTAKE, Decimal(10))
    office.write(count, "YE1", Decimal(8))
    with office.read() as session:
        with session.begin():
            move(session, Recorder(session, office.replica, user), STORE, YERBA_EAN,
                 MovementKind.WASTE, Decimal(1), reason="rotura")
        history = product_history(session, STORE, office.products["YE1"])
    assert [(e.source, e.kind, e.quantity) for e in history] == [
        (HistorySource.MOVEMENT, MovementKind.WASTE, -1),
        (HistorySource.COUNT, None, 8),
        (HistorySource.MOVEMENT, MovementKind.INTAKE, 10),
    ]
    assert (history[0].reason, history[0].user_id, history[0].user_name) == (
        "rotura", user, "Beto Gómez")
    assert all(e.device_id == office.replica.device_id for e in history)
    assert all(e.counts_toward_stock for e in history)


def test_history_shows_a_duplicate_invoice_as_not_counted(office):
    draft = IntakeDraft(supplier=SupplierRef(None, KNOWN_CUIT, "Sur", False), letter="A",
                        point_of_sale=3, number=1234)
    with office.read() as session:
        draft.add_line(session, "YE1", 12, Decimal("2500.00"))
    ours = office.write(confirm_intake, draft)
    # Another PC of the store confirmed the same document earlier, offline; its
    # confirmation arrives now through sync and sorts first: it is the one that counts.
    with office.read() as session, session.begin():
        mine = session.get(t.InvoiceConfirmation, ours.confirmation_id)
        other_device = uuid.uuid4()
        apply_operations(session, [Operation(
            new_id(), mine.hlc - 1, other_device, None, OpKind.APPEND, "invoice_confirmation",
            new_id(), STORE, {
                "invoice_id": str(uuid.uuid4()), "invoice_key": ours.invoice_key,
                "store_id": str(STORE), "confirmed_at": mine.confirmed_at.isoformat(),
                "movements": [{"id": str(new_id()), "product_id": str(office.products["YE1"]),
                               "kind": 1, "qty_milli": 12_000, "unit_cost_cents": 250_000,
                               "occurred_at": mine.confirmed_at.isoformat()}]})])
        history = product_history(session, STORE, office.products["YE1"])
    assert [(e.kind, e.quantity, e.device_id == other_device, e.counts_toward_stock)
            for e in history] == [
        (MovementKind.INTAKE, 12, False, False),  # ours: the duplicate, flagged
        (MovementKind.INTAKE, 12, True, True),
    ]
    assert {e.invoice_key for e in history} == {ours.invoice_key}
    assert history[0].reference == "Factura A 00003-00001234"
    assert search(office, "YE1")[0].level == 12  # stock moved once
