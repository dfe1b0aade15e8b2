"""Count sessions over HTTP: each item is an observation at the time it was counted."""

import pytest

from tests.integration.central.api.test_deposito_support import (
    API,
    create_product,
    fields_of,
    moved,
    stock_of,
)


@pytest.fixture
def h(token_for):
    return token_for("deposito")


def open_count(client, headers, store="S1", **extra):
    response = client.post(f"{API}/counts", json={"store": store, **extra}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def count(client, headers, count_id, product, quantity):
    return client.post(f"{API}/counts/{count_id}/items", headers=headers,
                       json={"product": product, "quantity": quantity})


def test_a_count_sets_the_level_and_later_movements_add_to_it(client, h):
    create_product(client, h, "Y1")
    create_product(client, h, "Q1", unit="kg")
    moved(client, h, "S1", "Y1", "intake", 10)
    session = open_count(client, h, notes="góndola 3")
    assert session["status"] == "open" and session["store"] == "S1"
    first = count(client, h, session["id"], "Y1", 7)
    assert first.status_code == 201 and first.json()["level"] == 7
    assert count(client, h, session["id"], "Q1", "2.345").json()["quantity"] == 2.345
    moved(client, h, "S1", "Y1", "sale", 2)  # after the count: it adds
    assert stock_of(client, h, "S1") == {"Q1": 2.345, "Y1": 5}
    committed = client.post(f"{API}/counts/{session['id']}/commit", headers=h)
    assert committed.status_code == 200
    body = committed.json()
    assert body["status"] == "committed" and body["committed_at"] is not None
    assert [(i["sku"], i["quantity"]) for i in body["items"]] == [("Y1", 7), ("Q1", 2.345)]
    late = count(client, h, session["id"], "Y1", 1)
    assert late.status_code == 409
    assert client.post(f"{API}/counts/{session['id']}/commit", headers=h).status_code == 409
    assert stock_of(client, h, "S1")["Y1"] == 5


def test_count_items_are_validated(client, h):
    create_product(client, h, "Y1")
    session = open_count(client, h)
    assert fields_of(count(client, h, session["id"], "Y1", -1)) == ["quantity"]
    assert fields_of(count(client, h, session["id"], "Y1", "1.5")) == ["quantity"]
    assert fields_of(count(client, h, session["id"], "NADA", 1)) == ["product"]
    missing = client.post(f"{API}/counts/01a2222c-0000-7000-8000-000000000000/items",
                          headers=h, json={"product": "Y1", "quantity": 1})
    assert missing.status_code == 404
    assert client.get(f"{API}/counts/{session['id']}", headers=h).json()["items"] == []


def test_counts_are_listed_per_store_and_scoped_for_cashiers(client, h, token_for):
    create_product(client, h, "Y1")
    mine = open_count(client, h, "S1", notes="Depósito del fondo")
    other = open_count(client, h, "S2", notes="Heladera")
    cashier = token_for("cajero1")
    assert client.post(f"{API}/counts", json={"store": "S2"}, headers=cashier).status_code == 403
    assert count(client, cashier, other["id"], "Y1", 1).status_code == 403
    assert client.get(f"{API}/counts/{other['id']}", headers=cashier).status_code == 403
    assert count(client, cashier, mine["id"], "Y1", 4).status_code == 201
    seen = client.get(f"{API}/counts", headers=cashier).json()
    assert [c["id"] for c in seen["items"]] == [mine["id"]]
    everything = client.get(f"{API}/counts", headers=h).json()
    assert everything["total"] == 2
    found = client.get(f"{API}/counts", params={"q": "deposito"}, headers=h).json()
    assert [c["id"] for c in found["items"]] == [mine["id"]]
    open_only = client.get(f"{API}/counts", params={"status": "committed"}, headers=h).json()
    assert open_only["total"] == 0
