"""Who may call the negocio agent: writes negocio/admin, reads also deposito, store scope."""

from __future__ import annotations

import pytest

from tests.integration.central.api.conftest import login
from tests.integration.central.api.test_negocio_support import (
    API,
    add_user,
    invoice,
    shop_fixture,  # noqa: F401 - provides the shop fixture
)

ZERO = "00000000-0000-7000-8000-000000000000"
READS = [
    ("GET", "/invoices"), ("GET", f"/invoices/{ZERO}"), ("GET", "/products/1001/cost"),
    ("GET", "/pricing/rules"), ("GET", f"/pricing/rules/{ZERO}"), ("GET", "/pricing/suggestions"),
    ("GET", "/inflation"), ("GET", "/inflation/gap?from=2025-01&to=2025-02"),
    ("GET", "/purchase-orders"), ("GET", f"/purchase-orders/{ZERO}"),
]
WRITES = [
    ("POST", "/invoices"), ("PUT", f"/invoices/{ZERO}"), ("PATCH", f"/invoices/{ZERO}/lines/1"),
    ("DELETE", f"/invoices/{ZERO}"), ("POST", f"/invoices/{ZERO}/confirm"),
    ("POST", "/pricing/rules"), ("PATCH", f"/pricing/rules/{ZERO}"),
    ("DELETE", f"/pricing/rules/{ZERO}"), ("POST", "/pricing/suggestions/apply"),
    ("PUT", "/inflation/2025-01"), ("DELETE", "/inflation/2025-01"), ("POST", "/inflation/import"),
    ("POST", "/purchase-orders"), ("PUT", f"/purchase-orders/{ZERO}"),
    ("POST", f"/purchase-orders/{ZERO}/send"), ("POST", f"/purchase-orders/{ZERO}/receive"),
    ("POST", f"/purchase-orders/{ZERO}/cancel"),
]


def call(client, method, path, headers=None):
    return client.request(method, API + path, headers=headers or {})


def test_every_endpoint_refuses_callers_without_a_token_or_the_role(shop, client):
    mlservice = login(client, "mlservice")
    for method, path in READS + WRITES:
        assert call(client, method, path).status_code == 401, (method, path)
        bad = {"Authorization": "Bearer not-a-token"}
        assert call(client, method, path, bad).status_code == 401, (method, path)
        for headers in (shop.cajero, mlservice):
            response = call(client, method, path, headers)
            assert response.status_code == 403, (method, path, response.text)
    for method, path in WRITES:
        assert call(client, method, path, shop.deposito).status_code == 403, (method, path)


@pytest.mark.parametrize("role", ["admin", "negocio", "deposito"])
def test_reads_are_open_to_admin_negocio_and_deposito(shop, role):
    headers = {"admin": shop.admin, "negocio": shop.negocio, "deposito": shop.deposito}[role]
    for method, path in READS:
        status = call(shop.client, method, path, headers).status_code
        assert status in (200, 404, 422), (method, path, status)  # answered, not refused


def test_admin_writes_like_negocio(shop):
    assert shop.post("/invoices", invoice(), headers=shop.admin).status_code == 201


def test_a_store_scoped_caller_is_limited_to_its_store(shop, client, central_db):
    add_user(central_db, "negocio.s1", "negocio", "S1")
    scoped = login(client, "negocio.s1")
    other = shop.post("/invoices", invoice(store="S2")).json()
    own = shop.post("/invoices", invoice(7)).json()
    assert shop.post("/invoices", invoice(8, store="S2"), headers=scoped).status_code == 403
    assert shop.post("/invoices", invoice(8), headers=scoped).status_code == 201
    assert shop.get(f"/invoices/{other['id']}", headers=scoped).status_code == 403
    assert shop.post(f"/invoices/{other['id']}/confirm", headers=scoped).status_code == 403
    assert shop.delete(f"/invoices/{other['id']}", headers=scoped).status_code == 403
    assert shop.post(f"/invoices/{own['id']}/confirm", headers=scoped).status_code == 200
    listed = shop.get("/invoices", headers=scoped).json()
    assert {item["store"] for item in listed["items"]} == {"S1"} and listed["total"] == 2
    assert shop.get("/invoices", headers=scoped, store="S2").status_code == 403
    assert shop.post("/purchase-orders", {"supplier": "30712345671", "store": "S2"},
                     headers=scoped).status_code == 403
    assert shop.get("/purchase-orders", headers=scoped, store="S2").status_code == 403
