"""Provisional products: promotion, and merge into an existing product (barcodes move,
look-ups follow, the merged product's stock is reported on the product it joined)."""

import pytest
from sqlalchemy.orm import Session

from central.identity import find_store
from shared.db.engine import create_db_engine
from shared.domain.enums import MovementKind
from shared.ops.recorder import Recorder, load_replica
from tests.integration.central.api.test_deposito_support import (
    API,
    create_product,
    ean,
    fields_of,
    moved,
    stock_of,
)


@pytest.fixture
def h(token_for):
    return token_for("deposito")


def merge(client, h, member, into):
    return client.post(f"{API}/products/{member['id']}/merge", json={"into": into["id"]},
                       headers=h)


def lookup(client, h, code):
    return client.get(f"{API}/products/lookup", params={"code": code}, headers=h)


def level(client, h, sku, store):
    body = client.get(f"{API}/stock/levels", params={"q": sku, "store": store}, headers=h).json()
    return {item["sku"]: item["stores"][0]["quantity"] for item in body["items"]}[sku]


def test_a_provisional_product_is_promoted_with_corrections(client, h):
    provisional = create_product(client, h, "PROV-1", "sin nombre", provisional=True)
    promoted = client.post(f"{API}/products/{provisional['id']}/promote", headers=h,
                           json={"name": "Galletitas de agua", "category": "Galletitas"})
    assert promoted.status_code == 200, promoted.text
    body = promoted.json()
    assert (body["provisional"], body["name"], body["category"]) == (
        False, "Galletitas de agua", "Galletitas")
    assert client.post(f"{API}/products/{provisional['id']}/promote", headers=h).status_code == 409
    bad = client.post(f"{API}/products/{create_product(client, h, 'PROV-2', provisional=True)['id']}"
                      "/promote", headers=h, json={"min_stock": -1})
    assert fields_of(bad) == ["min_stock"]


def test_merging_moves_barcodes_and_look_ups_follow(client, h):
    real = create_product(client, h, "Y1", "Yerba", barcodes=[ean(1)])
    provisional = create_product(client, h, "PROV-9", "yerba?", barcodes=[ean(9)],
                                 provisional=True)
    response = merge(client, h, provisional, real)
    assert response.status_code == 200, response.text
    assert response.json()["barcodes"] == [ean(1), ean(9)]
    assert response.json()["merged_from"] == [provisional["id"]]
    old = client.get(f"{API}/products/{provisional['id']}", headers=h).json()
    assert (old["archived"], old["merged_into"], old["barcodes"]) == (True, real["id"], [])
    assert lookup(client, h, ean(9)).json()["product"]["id"] == real["id"]
    assert lookup(client, h, "PROV-9").json()["product"]["id"] == real["id"]
    assert [p["sku"] for p in client.get(f"{API}/products", headers=h).json()["items"]] == ["Y1"]
    assert client.post(f"{API}/products/{provisional['id']}/restore", headers=h).status_code == 409


def test_merge_refusals(client, h):
    real = create_product(client, h, "Y1")
    other = create_product(client, h, "Y2")
    provisional = create_product(client, h, "PROV-1", provisional=True)
    assert merge(client, h, real, other).status_code == 409  # not provisional
    assert fields_of(merge(client, h, provisional, provisional)) == ["into"]
    ghost = {"id": "01a2222c-0000-7000-8000-000000000000"}
    assert fields_of(merge(client, h, provisional, ghost)) == ["into"]
    client.post(f"{API}/products/{other['id']}/archive", headers=h)
    assert merge(client, h, provisional, other).status_code == 409  # into an archived one
    assert merge(client, h, provisional, real).status_code == 200
    assert merge(client, h, provisional, real).status_code == 409  # already merged
    assert merge(client, {}, provisional, real).status_code == 401


def test_stock_of_a_merged_product_is_reported_on_the_product_it_joined(client, h):
    real = create_product(client, h, "Y1", barcodes=[ean(1)])
    provisional = create_product(client, h, "PROV-9", barcodes=[ean(9)], provisional=True)
    moved(client, h, "S1", "Y1", "intake", 10)
    moved(client, h, "S1", ean(9), "intake", 5)
    moved(client, h, "S2", ean(9), "sale", 1)
    assert stock_of(client, h, "S1") == {"PROV-9": 5, "Y1": 10}  # cached from here on
    assert merge(client, h, provisional, real).status_code == 200
    assert stock_of(client, h, "S1") == {"Y1": 15}  # the merge dropped the cached snapshot
    assert stock_of(client, h, "S2") == {"Y1": -1}
    sale = moved(client, h, "S1", ean(9), "sale", 2)  # the old barcode now sells Y1
    assert (sale["product_id"], sale["level"]) == (real["id"], 13)
    history = client.get(f"{API}/products/{real['id']}/history", params={"store": "S1"},
                         headers=h).json()
    assert [(e["sku"], e["quantity"]) for e in history["items"]] == [
        ("Y1", 10), ("PROV-9", 5), ("Y1", -2)]
    across = client.get(f"{API}/stock/levels", params={"q": "Y1"}, headers=h).json()
    assert across["items"][0]["total"] == 12


def test_a_count_after_the_merge_observes_the_merged_stock_too(client, h, central_db):
    real = create_product(client, h, "Y1")
    provisional = create_product(client, h, "PROV-9", provisional=True)
    moved(client, h, "S1", "Y1", "intake", 10)
    moved(client, h, "S1", "PROV-9", "intake", 5)
    merge(client, h, provisional, real)
    assert level(client, h, "Y1", "S1") == 15
    session = client.post(f"{API}/counts", json={"store": "S1"}, headers=h).json()
    counted = client.post(f"{API}/counts/{session['id']}/items", headers=h,
                          json={"product": "Y1", "quantity": 12})
    assert counted.json()["level"] == 12  # not 12 + the 5 counted on the shelf already
    # a PC that had not heard of the merge syncs a later sale of the provisional product
    engine = create_db_engine(central_db)
    with Session(engine) as db, db.begin():
        store = find_store(db, "S1")
        Recorder(db, load_replica(db)).append("stock_movement", {
            "store_id": store.id, "product_id": provisional["id"],
            "kind": int(MovementKind.SALE), "qty_milli": -2000}, store_id=store.id)
    engine.dispose()
    assert level(client, h, "Y1", "S1") == 10
    assert level(client, h, "Y1", "S2") == 0
