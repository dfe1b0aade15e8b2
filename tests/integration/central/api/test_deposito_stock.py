"""Stock reports over HTTP: across stores, critical stock, a product's ledger history."""

import pytest
from prometheus_client import REGISTRY

from tests.integration.central.api.test_deposito_support import (
    API,
    create_product,
    moved,
    stock_of,
)


@pytest.fixture
def h(token_for):
    return token_for("deposito")


@pytest.fixture
def shop(client, h):
    """Three products in two stores: yerba short in S2, leche short in both."""
    supplier = client.post(f"{API}/suppliers", headers=h,
                           json={"cuit": "30712345671", "name": "Sur"}).json()
    create_product(client, h, "P1", "Yerba mate", category="Almacén", min_stock=5,
                   supplier_id=supplier["id"])
    create_product(client, h, "P2", "Leche entera", category="Lácteos", min_stock=10)
    create_product(client, h, "P3", "Jabón", category="Perfumería")
    moved(client, h, "S1", "P1", "intake", 8)
    moved(client, h, "S2", "P1", "intake", 2)
    moved(client, h, "S1", "P2", "intake", 4)
    moved(client, h, "S1", "P3", "intake", 1)
    return supplier


def levels(client, h, **params):
    response = client.get(f"{API}/stock/levels", params=params, headers=h)
    assert response.status_code == 200, response.text
    return response.json()


def test_levels_across_stores_per_product(client, h, shop):
    body = levels(client, h)
    assert body["total"] == 3
    assert [(i["sku"], i["total"], [(s["store"], s["quantity"], s["below_minimum"])
                                     for s in i["stores"]]) for i in body["items"]] == [
        ("P1", 10, [("S1", 8, False), ("S2", 2, True)]),
        ("P2", 4, [("S1", 4, True), ("S2", 0, True)]),
        ("P3", 1, [("S1", 1, False), ("S2", 0, False)]),
    ]


def test_levels_filter_search_and_paginate(client, h, shop):
    def skus(**params):
        return [i["sku"] for i in levels(client, h, **params)["items"]]

    assert skus(q="LECHE") == ["P2"]
    assert skus(category="lacteos") == ["P2"]
    assert skus(supplier_id=shop["id"]) == ["P1"]
    assert skus(below_minimum=True) == ["P1", "P2"]
    assert skus(below_minimum=True, store="S1") == ["P2"]
    assert skus(below_minimum=True, q="yerba") == ["P1"]
    page = levels(client, h, below_minimum=True, size=1, page=2)
    assert page["total"] == 2 and [i["sku"] for i in page["items"]] == ["P2"]
    assert skus(limit=2, offset=1) == ["P2", "P3"]
    one_store = levels(client, h, store="S2")
    assert [s["store"] for s in one_store["items"][0]["stores"]] == ["S2"]


def test_a_cashier_sees_its_own_store_across_the_catalog(client, h, shop, token_for):
    cashier = token_for("cajero1")
    body = levels(client, cashier)
    assert {s["store"] for item in body["items"] for s in item["stores"]} == {"S1"}
    assert client.get(f"{API}/stock/levels", params={"store": "S2"},
                      headers=cashier).status_code == 403


def test_critical_stock_lists_the_most_short_first_and_sets_the_gauge(client, h, shop):
    response = client.get(f"{API}/stock/critical", params={"store": "S2"}, headers=h)
    body = response.json()
    assert [(i["sku"], i["quantity"], i["minimum"], i["missing"]) for i in body["items"]] == [
        ("P2", 0, 10, 10), ("P1", 2, 5, 3)]
    gauge = REGISTRY.get_sample_value("minimarket_critical_stock_products", {"store": "S2"})
    assert gauge == 2
    moved(client, h, "S2", "P2", "intake", 20)
    searched = client.get(f"{API}/stock/critical", params={"store": "S2", "q": "leche"},
                          headers=h).json()
    assert searched["items"] == [] and searched["total"] == 0
    assert REGISTRY.get_sample_value("minimarket_critical_stock_products", {"store": "S2"}) == 1
    assert client.get(f"{API}/stock/critical", params={"store": "S9"},
                      headers=h).status_code == 404


def test_the_snapshot_keeps_its_contract_shape(client, h, shop):
    response = client.get(f"{API}/stock", params={"store": "S1"}, headers=h)
    assert response.json() == {"store": "S1", "items": [
        {"sku": "P1", "quantity": 8}, {"sku": "P2", "quantity": 4}, {"sku": "P3", "quantity": 1}]}
    assert client.get(f"{API}/stock", params={"store": "S9"}, headers=h).status_code == 404
    assert client.get(f"{API}/stock", params={"store": "S1"}).status_code == 401


def test_a_product_history_lists_movements_and_counts_in_ledger_order(client, h, shop):
    product = client.get(f"{API}/products/lookup", params={"code": "P1"}, headers=h).json()
    moved(client, h, "S1", "P1", "sale", 3)
    session = client.post(f"{API}/counts", json={"store": "S1"}, headers=h).json()
    client.post(f"{API}/counts/{session['id']}/items", headers=h,
                json={"product": "P1", "quantity": 4})
    moved(client, h, "S1", "P1", "waste", 1, reason="vencido")
    url = f"{API}/products/{product['product']['id']}/history"
    body = client.get(url, headers=h).json()
    assert [(e["entry"], e["store"], e["kind"], e["quantity"]) for e in body["items"]] == [
        ("movement", "S1", "intake", 8), ("movement", "S2", "intake", 2),
        ("movement", "S1", "sale", -3), ("count", "S1", None, 4),
        ("movement", "S1", "waste", -1)]
    assert [e["hlc"] for e in body["items"]] == sorted(e["hlc"] for e in body["items"])
    assert body["items"][4]["reason"] == "vencido"
    page = client.get(url, params={"size": 2, "page": 2, "store": "S1"}, headers=h).json()
    assert page["total"] == 4 and [e["kind"] for e in page["items"]] == [None, "waste"]
    assert stock_of(client, h, "S1")["P1"] == 3
