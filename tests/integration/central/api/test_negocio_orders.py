"""Purchase orders over HTTP: draft → sent → received, or cancelled."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.central.api.test_negocio_support import (
    CUIT_NORTE,
    CUIT_SUR,
    exact,
    fields_of,
    shop_fixture,  # noqa: F401 - provides the shop fixture
)


def order(supplier=CUIT_SUR, store="S1", lines=None, **extra):
    return {"supplier": supplier, "store": store,
            "lines": lines if lines is not None else [
                {"product": "1001", "quantity": 24, "unit_cost": "2500.00"},
                {"product": "1002", "quantity": 12}],
            **extra}


def created(shop, body=None):
    response = shop.post("/purchase-orders", body or order())
    assert response.status_code == 201, response.text
    return exact(response)


def test_an_order_goes_from_draft_to_sent_to_received_into_stock(shop):
    counted = shop.metric("minimarket_purchase_orders_created_total")
    received_before = shop.metric("minimarket_products_received_total", store="S1")
    draft = created(shop, order(notes="entrega martes"))
    assert shop.metric("minimarket_purchase_orders_created_total") == counted + 1
    assert draft["status"] == "draft" and draft["store"] == "S1"
    assert draft["supplier"]["name"] == "Distribuidora Sur SA"
    assert [(ln["sku"], ln["quantity"], ln["unit_cost"], ln["amount"]) for ln in draft["lines"]] == [
        ("1001", 24, Decimal("2500.00"), Decimal("60000.00")), ("1002", 12, None, None)]
    assert draft["total"] == Decimal("60000.00")
    path = f"/purchase-orders/{draft['id']}"

    edited = shop.put(path, order(lines=[{"product": "1001", "quantity": "30"},
                                         {"product": "2001", "quantity": "2.5",
                                          "unit_cost": "6000.00"}]))
    assert edited.status_code == 200, edited.text
    assert [(ln["sku"], ln["quantity"]) for ln in exact(edited)["lines"]] == [
        ("1001", 30), ("2001", Decimal("2.5"))]

    sent = shop.post(f"{path}/send")
    assert sent.status_code == 200 and exact(sent)["status"] == "sent"
    assert exact(sent)["sent_at"] is not None
    assert shop.put(path, order()).status_code == 409
    assert shop.post(f"{path}/send").status_code == 409

    received = shop.post(f"{path}/receive", {"create_movements": True, "lines": [
        {"product": "1001", "quantity": 28}, {"product": "2001", "quantity": 0}]})
    assert received.status_code == 200, received.text
    body = exact(received)
    assert body["status"] == "received" and body["received_at"] is not None
    assert [(m["quantity"]) for m in body["movements"]] == [28]
    assert [ln["received"] for ln in body["lines"]] == [28, 0]
    assert shop.stock("S1")["1001"] == 28 and shop.stock("S1")["2001"] == 0
    assert shop.metric("minimarket_products_received_total", store="S1") == received_before + 28
    for action in ("send", "receive", "cancel"):
        refused = shop.post(f"{path}/{action}")
        assert refused.status_code == 409 and "it is received" in refused.json()["detail"]


def test_receiving_without_movements_leaves_stock_to_the_invoice(shop):
    draft = created(shop)
    path = f"/purchase-orders/{draft['id']}"
    assert shop.post(f"{path}/receive").status_code == 409  # a draft is not received
    shop.post(f"{path}/send")
    received = shop.post(f"{path}/receive")
    assert received.status_code == 200 and exact(received)["movements"] == []
    assert shop.stock("S1")["1001"] == 0


def test_receiving_the_ordered_quantities(shop):
    draft = created(shop)
    shop.post(f"/purchase-orders/{draft['id']}/send")
    done = shop.post(f"/purchase-orders/{draft['id']}/receive", {"create_movements": True})
    assert done.status_code == 200, done.text
    assert shop.stock("S1")["1001"] == 24 and shop.stock("S1")["1002"] == 12


def test_a_draft_or_sent_order_can_be_cancelled(shop):
    draft = created(shop)
    cancelled = shop.post(f"/purchase-orders/{draft['id']}/cancel")
    assert cancelled.status_code == 200 and exact(cancelled)["status"] == "cancelled"
    assert shop.post(f"/purchase-orders/{draft['id']}/send").status_code == 409
    sent = created(shop)
    shop.post(f"/purchase-orders/{sent['id']}/send")
    assert shop.post(f"/purchase-orders/{sent['id']}/cancel").status_code == 200
    empty = created(shop, order(lines=[]))
    refused = shop.post(f"/purchase-orders/{empty['id']}/send")
    assert refused.status_code == 409 and "no lines" in refused.json()["detail"]


def test_orders_are_listed_with_filters(shop):
    first = created(shop)
    second = created(shop, order(supplier=CUIT_NORTE, store="S2",
                                 lines=[{"product": "2001", "quantity": 1}]))
    shop.post(f"/purchase-orders/{second['id']}/send")

    def ids(**params):
        response = shop.get("/purchase-orders", **params)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()["items"]]

    assert ids() == [second["id"], first["id"]]
    assert ids(status="sent") == [second["id"]]
    assert ids(store="S1") == [first["id"]]
    assert ids(supplier=CUIT_NORTE) == [second["id"]]
    assert ids(size=1, page=2) == [first["id"]]
    assert shop.get("/purchase-orders", status="shipped").status_code == 422
    assert shop.get("/purchase-orders/01a2222f-0000-7000-8000-000000000000").status_code == 404


def test_bad_orders_are_a_422_naming_the_field(shop):
    def problem(body):
        return fields_of(shop.post("/purchase-orders", body))

    assert problem(order(lines=[{"product": "nope", "quantity": 1}])) == ["lines.0.product"]
    assert problem(order(lines=[{"product": "1001", "quantity": -2}])) == ["lines.0.quantity"]
    assert problem(order(lines=[{"product": "1001", "quantity": "0.0001"}])) == [
        "lines.0.quantity"]
    assert problem(order(lines=[{"product": "1001", "quantity": 1},
                                {"product": "1001", "quantity": 2}])) == ["lines.1.product"]
    assert problem(order(supplier="30712345672")) == ["supplier"]
    assert problem(order(store="S9")) == ["store"]
    assert shop.get("/purchase-orders").json()["total"] == 0
    draft = created(shop)
    shop.post(f"/purchase-orders/{draft['id']}/send")
    receive = shop.post(f"/purchase-orders/{draft['id']}/receive", {
        "create_movements": True, "lines": [{"product": "2001", "quantity": 1}]})
    assert fields_of(receive) == ["lines.0.product"]
    assert exact(shop.get(f"/purchase-orders/{draft['id']}"))["status"] == "sent"
