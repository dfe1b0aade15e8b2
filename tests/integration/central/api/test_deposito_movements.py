"""Movements over HTTP: signs per kind, quantity rules, unknown products, store scope."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.kit.metrics import PRODUCTS_RECEIVED
from shared.db import tables as t
from shared.db.engine import create_db_engine
from tests.integration.central.api.conftest import enroll
from tests.integration.central.api.test_deposito_support import (
    API,
    create_product,
    ean,
    ean13,
    exact,
    fields_of,
    move,
    moved,
    stock_of,
)


@pytest.fixture
def h(token_for):
    return token_for("deposito")


def stored_movements(central_db):
    engine = create_db_engine(central_db)
    with Session(engine) as session:
        rows = session.execute(select(t.StockMovement.kind, t.StockMovement.qty_milli,
                                      t.StockMovement.reason).order_by(t.StockMovement.hlc)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_each_kind_stores_its_sign_and_the_level_follows(client, h, central_db):
    create_product(client, h, "Y1", barcodes=[ean(1)])
    steps = [("intake", 10, None), ("sale", 3, None), ("customer_return", 1, "vencido"),
             ("supplier_return", 2, None), ("waste", 1, "roto"), ("adjustment", -2, "robo"),
             ("adjustment", 5, "recuento")]
    levels = [moved(client, h, "S1", ean(1), kind, qty, **({"reason": r} if r else {}))["level"]
              for kind, qty, r in steps]
    assert levels == [10, 7, 8, 6, 5, 3, 8]
    assert stored_movements(central_db) == [
        (1, 10_000, None), (2, -3_000, None), (3, 1_000, "vencido"), (4, -2_000, None),
        (8, -1_000, "roto"), (5, -2_000, "robo"), (5, 5_000, "recuento")]
    assert stock_of(client, h, "S1") == {"Y1": 8}
    assert stock_of(client, h, "S2") == {"Y1": 0}


def test_a_sale_that_drives_stock_negative_is_recorded(client, h):
    create_product(client, h, "Y1")
    sale = moved(client, h, "S1", "Y1", "sale", 4)
    assert (sale["quantity"], sale["level"], sale["negative"]) == (-4, -4, True)
    assert stock_of(client, h, "S1") == {"Y1": -4}


def test_quantities_are_checked_per_kind_and_unit(client, h, central_db):
    create_product(client, h, "U1")
    create_product(client, h, "K1", unit="kg")
    assert fields_of(move(client, h, "S1", "U1", "sale", -1)) == ["quantity"]
    assert fields_of(move(client, h, "S1", "U1", "intake", 0)) == ["quantity"]
    assert fields_of(move(client, h, "S1", "U1", "adjustment", 0, reason="x")) == ["quantity"]
    assert fields_of(move(client, h, "S1", "U1", "sale", "1.5")) == ["quantity"]
    assert fields_of(move(client, h, "S1", "K1", "sale", "0.3505")) == ["quantity"]
    assert fields_of(move(client, h, "S1", "U1", "waste", 1)) == ["reason"]
    assert fields_of(move(client, h, "S1", "U1", "adjustment", -1)) == ["reason"]
    assert fields_of(move(client, h, "S1", "U1", "transfer_out", 1)) == ["kind"]
    assert fields_of(move(client, h, "S1", "U1", "sale", 1, unit_cost=10)) == ["unit_cost"]
    assert stored_movements(central_db) == []
    weighed = client.post(f"{API}/movements", headers=h, json={
        "store": "S1", "product": "K1", "kind": "sale", "quantity": "0.350"})
    assert '"quantity": -0.350' in weighed.text and exact(weighed)["level"] == Decimal("-0.350")
    assert stored_movements(central_db) == [(2, -350, None)]


def test_a_weight_label_carries_its_own_quantity(client, h):
    create_product(client, h, "QS", unit="kg", barcodes=[ean13("201234500000")])
    sale = client.post(f"{API}/movements", headers=h, json={
        "store": "S1", "product": ean13("201234501250"), "kind": "sale"})
    assert sale.status_code == 201 and exact(sale)["quantity"] == Decimal("-1.250")
    missing = client.post(f"{API}/movements", headers=h, json={
        "store": "S1", "product": "QS", "kind": "sale"})
    assert fields_of(missing) == ["quantity"]


def test_unknown_products_and_stores_are_422_with_a_clear_message(client, h):
    create_product(client, h, "Y1")
    response = move(client, h, "S1", "7790000099999", "sale", 1)
    assert fields_of(response) == ["product"]
    assert "7790000099999" in response.json()["detail"][0]["message"]
    by_id = client.post(f"{API}/movements", headers=h, json={
        "store": "S1", "product_id": "01a2222c-0000-7000-8000-000000000000", "kind": "sale",
        "quantity": 1})
    assert fields_of(by_id) == ["product_id"]
    assert fields_of(move(client, h, "S9", "Y1", "sale", 1)) == ["store"]


def test_intakes_count_units_received_per_store(client, h):
    create_product(client, h, "Y1")
    counter = PRODUCTS_RECEIVED.labels("S2")
    before = counter._value.get()
    moved(client, h, "S2", "Y1", "intake", 12, unit_cost="2500.00")
    moved(client, h, "S2", "Y1", "sale", 5)
    assert counter._value.get() - before == 12
    metrics = client.get("/metrics").text
    assert 'minimarket_products_received_total{store="S2"}' in metrics


def test_store_scoped_callers_act_on_their_own_store_only(client, h, token_for, central_db):
    create_product(client, h, "Y1")
    cashier = token_for("cajero1")
    assert moved(client, cashier, "S1", "Y1", "sale", 1)["level"] == -1
    assert move(client, cashier, "S2", "Y1", "sale", 1).status_code == 403
    assert move(client, token_for("negocio"), "S1", "Y1", "sale", 1).status_code == 403
    assert move(client, {}, "S1", "Y1", "sale", 1).status_code == 401
    device_id, secret = enroll(client, central_db, "S1")
    token = client.post("/api/auth/device-token",
                        json={"device_id": str(device_id), "device_secret": secret}).json()
    device = {"Authorization": f"Bearer {token['access_token']}"}
    assert moved(client, device, "S1", "Y1", "intake", 3)["level"] == 2
    assert move(client, device, "S2", "Y1", "intake", 3).status_code == 403
    assert client.get(f"{API}/stock", params={"store": "S2"}, headers=device).status_code == 403
    assert stock_of(client, h, "S2") == {"Y1": 0}
